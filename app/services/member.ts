/**
 * `member`: `login` checks an email and password against team_members and returns a JWT;
 * `profile` shows the logged-in member; `invite` sends the welcome mail through a Moonlight job.
 */
import { Service, response, jwtEncode, jwtSettings, JwtSecretError, UnauthenticatedError, HttpError, type RequestData } from '../../src/moonlight/index.js'
import { verifyPassword } from '../passwords.js'
import { cache } from '../../src/moonlight/index.js'

interface MemberRow {
  id: number
  name: string
  email: string
  role: string
  password_hash: string
  created_at: string
}

const publicFields = ({ password_hash: _hash, ...rest }: MemberRow) => rest

export class MemberService extends Service {
  static override description = 'Team members and login'
  static override actions = {
    login: { summary: 'Exchange email + password for a token', rules: { email: 'required|email', password: 'required|string' } },
    profile: { summary: 'The logged-in member', authenticated: true },
    invite: { summary: 'Send a welcome email (as a background job)', authenticated: true, rules: { email: 'required|email' } },
  } as const

  async loginAction(data: RequestData) {
    const email = data.getString('email')!.toLowerCase()
    await this.#throttle(email)
    const db = await this.db()
    const row = await db.get<MemberRow>('SELECT * FROM team_members WHERE email = ?', [email])
    if (!row || !(await verifyPassword(data.getString('password')!, row.password_hash))) {
      throw new UnauthenticatedError('Invalid email or password')
    }
    const { secret, ttl, allowWeakSecret } = jwtSettings(this.request.settings)
    if (!secret) throw new HttpError(500, 'Login is not configured: set JWT_SECRET in environment/.env (see environment/.env.example)')
    let token: string
    try {
      token = jwtEncode({ sub: row.id, email: row.email, name: row.name, permissions: ['tasks:write'] }, secret, ttl, { allowWeakSecret })
    } catch (err) {
      if (err instanceof JwtSecretError) throw new HttpError(500, `Login is not configured: ${err.message}`)
      throw err
    }
    return response(0, 'Login successful', { token, member: publicFields(row) })
  }

  /**
   * At most `[auth] LOGIN_ATTEMPTS` (default 5) logins per email per `[auth] LOGIN_DECAY` seconds
   * (default 60), counted in rr KV under an rr lock, so concurrent logins in different workers
   * cannot slip past the limit together.
   */
  async #throttle(email: string): Promise<void> {
    const settings = this.request.settings
    const max = Number(settings.get('auth', 'LOGIN_ATTEMPTS') ?? 5)
    const decay = Number(settings.get('auth', 'LOGIN_DECAY') ?? 60)
    const verdict = await cache().attempt(`login:${email}`, { max, decay })
    if (!verdict.allowed) {
      throw new HttpError(429, `Too many login attempts for ${email}: try again in ${verdict.retryAfter} s`, {
        headers: { 'Retry-After': String(verdict.retryAfter) },
      })
    }
  }

  async profileAction() {
    const user = this.mustAuthenticate().user as { id: number | string }
    const row = await (await this.db()).get<MemberRow>('SELECT * FROM team_members WHERE id = ?', [Number(user.id)])
    if (!row) throw new UnauthenticatedError('This member no longer exists: log in again')
    return response(0, 'OK', { member: publicFields(row) })
  }

  async inviteAction(data: RequestData) {
    return this.request.app.async('mail', 'send_welcome', { email: data.getString('email') })
  }
}
