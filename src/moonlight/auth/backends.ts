/**
 * Authentication: a chain of backends tried in order until one returns a user, plus the built-in
 * Bearer-JWT backend. The chain never fails a request; actions decide (mustAuthenticate, can…).
 * @module
 */
import { isTruthy, type Settings } from '../../config/settings.js'
import { jwtVerify } from './jwt.js'
import { contextUser, type ContextUser } from '../core/user.js'
import { headerOf } from '../../http/request.js'

/** What a backend sees of the request. */
export interface AuthInput {
  request: Request
  service: string | undefined
  action: string | undefined
  settings: Settings
}

/** An authentication backend (`[app_authentications]` in Pionia). */
export interface AuthBackend {
  name?: string
  /** Only try this backend for these service aliases (empty: all). */
  limitServices?: string[]
  authenticate(input: AuthInput): ContextUser | null | undefined | Promise<ContextUser | null | undefined>
}

/**
 * JWT settings: env JWT_SECRET/JWT_TTL/JWT_ALG (JWT_SECRET_KEY accepted), else `[jwt] SECRET/TTL/ALG`.
 * `allowWeakSecret` is DEBUG/APP_DEBUG: only then may a placeholder or short secret sign and verify
 * (pass it to jwtEncode/jwtVerify as `{ allowWeakSecret }`).
 */
export function jwtSettings(settings: Settings): { secret: string | undefined; ttl: number; alg: string; allowWeakSecret: boolean } {
  const secret = settings.env('JWT_SECRET') ?? settings.env('JWT_SECRET_KEY') ?? settings.get('jwt', 'SECRET')
  const ttl = Number(settings.env('JWT_TTL') ?? settings.get('jwt', 'TTL') ?? 3600)
  const alg = settings.env('JWT_ALG') ?? settings.get('jwt', 'ALG') ?? 'HS256'
  const allowWeakSecret = isTruthy(settings.env('DEBUG') ?? settings.env('APP_DEBUG'))
  return { secret, ttl: Number.isFinite(ttl) ? ttl : 3600, alg, allowWeakSecret }
}

/**
 * The built-in backend: `Authorization: Bearer <jwt>` verified with HS256 (outside DEBUG, never with a
 * placeholder or short secret: see jwtSecretProblem). Claims: `sub`/`id` → user id,
 * `username`/`email` → username, `permissions`/`perms` → permissions, the rest → authExtra. A bad
 * token simply means "not authenticated".
 * @example
 * import { createApp, jwtAuthentication } from 'pionia/moonlight'
 * const app = createApp({ auth: [jwtAuthentication()] })
 */
export function jwtAuthentication(): AuthBackend {
  return {
    name: 'jwt',
    authenticate({ request, settings }) {
      const header = headerOf(request, 'authorization') ?? ''
      const m = /^Bearer\s+(\S+)$/i.exec(header)
      if (!m) return null
      const { secret, alg, allowWeakSecret } = jwtSettings(settings)
      if (alg.toUpperCase() !== 'HS256' || !secret) return null
      // A placeholder or short secret throws (outside DEBUG): the chain logs it and the caller is anonymous.
      const claims = jwtVerify(m[1]!, secret, { allowWeakSecret })
      if (!claims) return null
      const { sub, id, username, email, permissions, perms, ...rest } = claims
      const userId = sub ?? id
      if (userId === undefined || userId === null) return null
      const list = permissions ?? perms
      return contextUser(
        { id: userId, username: username ?? email ?? userId, ...(email !== undefined ? { email } : {}) },
        Array.isArray(list) ? list.map(String) : [],
        rest,
      )
    },
  }
}

/** Runs the chain: the first backend that returns a user wins; a throwing backend is logged and skipped. */
export async function authenticate(backends: AuthBackend[], input: AuthInput, onError: (err: unknown, name: string) => void): Promise<ContextUser | null> {
  for (const b of backends) {
    if (b.limitServices?.length && (!input.service || !b.limitServices.includes(input.service))) continue
    try {
      const u = await b.authenticate(input)
      if (u) return u
    } catch (err) {
      onError(err, b.name ?? 'auth backend')
    }
  }
  return null
}
