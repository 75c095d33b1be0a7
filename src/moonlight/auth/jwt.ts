/**
 * HS256 JSON Web Tokens on node:crypto (no dependency): sign, verify, decode.
 * @module
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

/** JWT claims; `exp`/`iat`/`nbf` are seconds since the epoch. */
export type JwtClaims = Record<string, unknown> & { sub?: string | number; exp?: number; iat?: number; nbf?: number }

const b64url = (buf: Buffer | string): string => Buffer.from(buf).toString('base64url')

function sign(input: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(input).digest()
}

function requireSecret(secret: string | undefined): string {
  if (!secret) {
    throw new Error('JWT secret is not set: add JWT_SECRET=<random string> to environment/.env (or SECRET under [jwt] in environment/settings.ini)')
  }
  return secret
}

/**
 * Signs `claims` with HS256; `ttlSeconds` adds `exp` (and `iat` is always set).
 * @example
 * import { jwtEncode } from 'pionia/moonlight'
 * const token = jwtEncode({ sub: 1, email: 'alex@northwind.studio' }, process.env.JWT_SECRET, 3600)
 */
export function jwtEncode(claims: JwtClaims, secret: string | undefined, ttlSeconds?: number): string {
  const key = requireSecret(secret)
  const now = Math.floor(Date.now() / 1000)
  const body: JwtClaims = { iat: now, ...claims }
  if (ttlSeconds && ttlSeconds > 0 && body.exp === undefined) body.exp = now + ttlSeconds
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  const payload = b64url(JSON.stringify(body))
  return `${head}.${payload}.${b64url(sign(`${head}.${payload}`, key))}`
}

/** Decodes without verifying (for display only). Returns null for anything that is not a JWT. */
export function jwtDecode(token: string): JwtClaims | null {
  const parts = token.split('.')
  if (parts.length !== 3) return null
  try {
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown
    return claims && typeof claims === 'object' && !Array.isArray(claims) ? (claims as JwtClaims) : null
  } catch {
    return null
  }
}

/**
 * Verifies signature (HS256 only: `alg: none` and other algorithms are refused), `exp` and `nbf`.
 * Returns the claims, or null for any bad token (never throws for client input).
 */
export function jwtVerify(token: string, secret: string | undefined): JwtClaims | null {
  const key = requireSecret(secret)
  const parts = token.split('.')
  if (parts.length !== 3) return null
  const [head, payload, sig] = parts as [string, string, string]
  let header: unknown
  try {
    header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8'))
  } catch {
    return null
  }
  if (!header || (header as { alg?: unknown }).alg !== 'HS256') return null
  const expected = sign(`${head}.${payload}`, key)
  const given = Buffer.from(sig, 'base64url')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
  const claims = jwtDecode(token)
  if (!claims) return null
  const now = Math.floor(Date.now() / 1000)
  if (typeof claims.exp === 'number' && now >= claims.exp) return null
  if (typeof claims.nbf === 'number' && now < claims.nbf) return null
  return claims
}
