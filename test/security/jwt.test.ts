/**
 * JWT through the real rr + DeskFlow: `alg: none`, other algorithms, a wrong signature, a tampered
 * payload, an expired or not-yet-valid token and a token for a member deleted after login all get
 * 401 on the actions that need a member; a good token is accepted (so the 401s are not a broken login).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHmac } from 'node:crypto'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { startDeskflow, type DeskflowStack } from '../reliability/stack.js'

const SECRET = 'deskflow-test-secret-5c1e9a7b3f2d8046' // what tempProject writes to .env
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')

function token(header: Record<string, unknown>, claims: Record<string, unknown>, secret = SECRET, alg: 'sha256' | 'sha512' = 'sha256'): string {
  const head = `${b64(header)}.${b64(claims)}`
  return `${head}.${createHmac(alg, secret).update(head).digest('base64url')}`
}

const now = () => Math.floor(Date.now() / 1000)
const alex = () => ({ sub: 1, email: 'alex@northwind.studio', name: 'Alex Chen', permissions: ['tasks:write'], iat: now(), exp: now() + 600 })

describe('JWT: bad tokens are 401 through rr + DeskFlow', () => {
  let stack: DeskflowStack

  beforeAll(async () => {
    stack = await startDeskflow()
  })
  afterAll(async () => {
    await stack?.stop()
  })

  const create = (bearer: string) => stack.call({ service: 'task', action: 'create', title: 'Should not exist' }, { authorization: `Bearer ${bearer}` })
  const profile = (bearer: string) => stack.call({ service: 'member', action: 'profile' }, { authorization: `Bearer ${bearer}` })

  async function expect401(bearer: string) {
    for (const r of [await create(bearer), await profile(bearer)]) {
      expect(r.status).toBe(401)
      expect(r.body).toMatchObject({ returnCode: 401, returnData: null })
    }
  }

  it('accepts a correctly signed, unexpired token (control)', async () => {
    const r = await profile(token({ alg: 'HS256', typ: 'JWT' }, alex()))
    expect(r.status).toBe(200)
    expect(r.body!.returnData.member.email).toBe('alex@northwind.studio')
  })

  it('alg none (any spelling, with or without a signature): 401', async () => {
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      await expect401(`${b64({ alg, typ: 'JWT' })}.${b64(alex())}.`)
      await expect401(`${b64({ alg, typ: 'JWT' })}.${b64(alex())}`)
    }
  })

  it('other algorithms (HS512, RS256 confusion with the HMAC secret) and a missing alg: 401', async () => {
    await expect401(token({ alg: 'HS512', typ: 'JWT' }, alex(), SECRET, 'sha512'))
    await expect401(token({ alg: 'RS256', typ: 'JWT' }, alex()))
    await expect401(token({ typ: 'JWT' }, alex()))
  })

  it('wrong signature, a tampered payload, truncated and garbage tokens: 401', async () => {
    await expect401(token({ alg: 'HS256', typ: 'JWT' }, alex(), 'another-secret-of-the-same-length!!!'))
    const good = token({ alg: 'HS256', typ: 'JWT' }, alex())
    const [h, , s] = good.split('.')
    await expect401(`${h}.${b64({ ...alex(), sub: 2, email: 'jamie@northwind.studio' })}.${s}`)
    await expect401(good.slice(0, -2))
    await expect401(`${good}.extra`)
    await expect401('not-a-jwt')
    await expect401(`${h}.%%%.${s}`)
  })

  it('expired and not-yet-valid tokens: 401', async () => {
    await expect401(token({ alg: 'HS256', typ: 'JWT' }, { ...alex(), iat: now() - 7200, exp: now() - 1 }))
    await expect401(token({ alg: 'HS256', typ: 'JWT' }, { ...alex(), nbf: now() + 3600 }))
  })

  it('a non-numeric exp or nbf (a string in the past or the future, null, an object): 401', async () => {
    for (const exp of [String(now() - 60), String(now() + 600), 'tomorrow', null, {}, [now() + 600], true]) {
      await expect401(token({ alg: 'HS256', typ: 'JWT' }, { ...alex(), exp }))
    }
    await expect401(token({ alg: 'HS256', typ: 'JWT' }, { ...alex(), nbf: String(now() - 60) }))
  })

  it('a signature with = padding or in standard base64 (+ /): 401; only base64url without padding (RFC 7515)', async () => {
    // Find claims whose signature has a - or _ (so standard base64 differs by + or /).
    let claims: Record<string, unknown> = alex()
    let head = ''
    let mac = Buffer.alloc(0)
    for (let i = 0; ; i++) {
      claims = { ...alex(), jti: `t${i}` }
      head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`
      mac = createHmac('sha256', SECRET).update(head).digest()
      if (/[-_]/.test(mac.toString('base64url'))) break
    }
    const r = await profile(`${head}.${mac.toString('base64url')}`)
    expect(r.status).toBe(200) // the same token in canonical form is good
    await expect401(`${head}.${mac.toString('base64url')}=`)
    await expect401(`${head}.${mac.toString('base64')}`) // + or / and = padding
    await expect401(`${head}.${mac.toString('base64').replace(/=+$/, '')}`) // + or /, no padding
    // The header and payload parts too.
    const [h, p] = head.split('.')
    const padded = `${h}=.${p}`
    await expect401(`${padded}.${createHmac('sha256', SECRET).update(padded).digest('base64url')}`)
  })

  it('a token for a member deleted after login: 401, and nothing is created', async () => {
    const auth = await stack.login('jamie@northwind.studio')
    const bearer = auth.authorization!.slice('Bearer '.length)
    const before = await stack.call({ service: 'member', action: 'profile' }, auth)
    expect(before.status).toBe(200)
    const db = new Database(join(stack.project.root, 'database.sqlite3'))
    try {
      db.pragma('busy_timeout = 5000')
      expect(db.prepare('DELETE FROM team_members WHERE email = ?').run('jamie@northwind.studio').changes).toBe(1)
      const count = () => (db.prepare("SELECT COUNT(*) AS n FROM tasks WHERE title = 'Should not exist'").get() as { n: number }).n
      await expect401(bearer)
      expect(count()).toBe(0)
    } finally {
      db.close()
    }
  })
})

describe('JWT: a placeholder or short secret signs and verifies nothing outside DEBUG (through rr + DeskFlow)', () => {
  const forged = (secret: string) =>
    token({ alg: 'HS256', typ: 'JWT' }, { ...alex(), permissions: ['tasks:write', 'project:delete', 'admin'] }, secret)

  for (const secret of ['change-me-to-a-long-random-string', 'short-but-random-9f2c']) {
    it(`JWT_SECRET=${secret}: forged tokens get 401 on member.profile, task.create and project.delete; login answers 500 naming the fix`, async () => {
      const stack = await startDeskflow({ workers: 1, env: { JWT_SECRET: secret } })
      try {
        const bearer = { authorization: `Bearer ${forged(secret)}` }
        for (const body of [
          { service: 'member', action: 'profile' },
          { service: 'task', action: 'create', title: 'Forged task' },
          { service: 'project', action: 'delete', id: 1 },
        ]) {
          const r = await stack.call(body, bearer)
          expect(r.status).toBe(401)
        }
        const login = await stack.call({ service: 'member', action: 'login', email: 'alex@northwind.studio', password: 'secret' })
        expect(login.status).toBe(500)
        expect(login.body!.returnMessage).toMatch(/Login is not configured: Refusing to use the JWT secret: .*openssl rand -hex 32/)
        // Said at startup (every worker) and per refused token, with the fix.
        await stack.rr.waitForOutput(/every Bearer token is refused .*openssl rand -hex 32/)
        expect(stack.rr.output()).toMatch(/JwtSecretError: Refusing to use the JWT secret/)
        expect(stack.rr.output()).not.toContain(secret)
      } finally {
        await stack.stop()
      }
    })
  }

  it('DEBUG=true: the placeholder is accepted (local development) with a loud startup warning', async () => {
    const secret = 'change-me-to-a-long-random-string'
    const stack = await startDeskflow({ workers: 1, env: { JWT_SECRET: secret, DEBUG: 'true' } })
    try {
      expect((await stack.call({ service: 'member', action: 'profile' }, { authorization: `Bearer ${forged(secret)}` })).status).toBe(200)
      await stack.rr.waitForOutput(/INSECURE: JWT secret is a placeholder/)
      expect(stack.rr.output()).toMatch(/DEBUG is on: __catalog is public/)
    } finally {
      await stack.stop()
    }
  })
})
