/**
 * HS256 JSON Web Tokens on node:crypto (no dependency): sign, verify, decode.
 * @module
 */
import type * as nodeCrypto from 'node:crypto'
import { lazyRequire } from '../../util/lazy-require.js'

/** node:crypto loads with the first token signed or verified. */
const crypto = lazyRequire<typeof nodeCrypto>('node:crypto')

/** JWT claims; `exp`/`iat`/`nbf` are seconds since the epoch. */
export type JwtClaims = Record<string, unknown> & { sub?: string | number; exp?: number; iat?: number; nbf?: number }

/** Options of `jwtEncode` / `jwtVerify`. */
export interface JwtOptions {
  /**
   * Accept a placeholder or short secret (what `jwtSecretProblem` reports). Only for DEBUG: Moonlight's
   * `jwtAuthentication()` passes the app's DEBUG flag here. Default false.
   */
  allowWeakSecret?: boolean
}

/** The shortest secret accepted outside DEBUG, in bytes (RFC 7518 §3.2: a key as long as the hash). */
export const MIN_JWT_SECRET_BYTES = 32

/** Thrown by `jwtEncode`/`jwtVerify` for a secret that must not sign or verify anything. */
export class JwtSecretError extends Error {
  override name = 'JwtSecretError'
}

// environment/.env.example's value and other values people leave in place.
const PLACEHOLDERS = new Set([
  'change-me-to-a-long-random-string', 'changeme', 'change-me', 'change_me', 'secret', 'secret-key', 'secretkey', 'jwt-secret',
  'jwt_secret', 'jwtsecret', 'your-secret', 'your-secret-key', 'your_secret_key', 'your-256-bit-secret', 'mysecret', 'my-secret',
  'supersecret', 'super-secret', 'password', 'default', 'test', 'example', 'please-change-me',
])
const PLACEHOLDER_WORDS = /change[-_ .]?me|replace[-_ .]?me|your[-_ .]?(?:jwt[-_ .]?)?secret|placeholder|long[-_ .]?random[-_ .]?string|^<.*>$/i
const B64URL = /^[A-Za-z0-9_-]+$/
const FIX = `generate one with \`openssl rand -hex 32\` and set JWT_SECRET=<it> in environment/.env (npx pionia rr:setup writes one when it creates .env)`

let checkedSecret: string | undefined
let checkedProblem: string | null = null

/**
 * Why `secret` must not sign or verify tokens outside DEBUG, or null when it is fine: not set, a known
 * placeholder (such as environment/.env.example's), shorter than 32 bytes, or fewer than 8 distinct
 * characters. The answer for the last secret is cached (one string compare per request).
 */
export function jwtSecretProblem(secret: string | undefined): string | null {
  if (secret === checkedSecret) return checkedProblem
  let problem: string | null = null
  if (!secret) problem = 'JWT secret is not set'
  else if (PLACEHOLDERS.has(secret.trim().toLowerCase()) || PLACEHOLDER_WORDS.test(secret)) problem = 'JWT secret is a placeholder (the example value or similar), which anyone can use to sign tokens'
  else if (Buffer.byteLength(secret) < MIN_JWT_SECRET_BYTES) problem = `JWT secret is ${Buffer.byteLength(secret)} bytes long; at least ${MIN_JWT_SECRET_BYTES} are needed`
  else if (new Set(secret).size < 8) problem = 'JWT secret repeats too few characters to be random'
  checkedSecret = secret
  checkedProblem = problem
  return problem
}

function requireSecret(secret: string | undefined, options: JwtOptions | undefined): string {
  if (!secret) {
    throw new JwtSecretError('JWT secret is not set: add JWT_SECRET=<random string> to environment/.env (or SECRET under [jwt] in environment/settings.ini)')
  }
  if (!options?.allowWeakSecret) {
    const problem = jwtSecretProblem(secret)
    if (problem) throw new JwtSecretError(`Refusing to use the JWT secret: ${problem}. Tokens are neither issued nor accepted outside DEBUG: ${FIX}.`)
  }
  return secret
}

function sign(input: string, secret: string): Buffer {
  return crypto().createHmac('sha256', secret).update(input).digest()
}

/**
 * Signs `claims` with HS256; `ttlSeconds` adds `exp` (and `iat` is always set). Throws JwtSecretError
 * for a missing, placeholder or short secret unless `allowWeakSecret`.
 * @example
 * import { jwtEncode } from 'pionia/moonlight'
 * const token = jwtEncode({ sub: 1, email: 'alex@northwind.studio' }, process.env.JWT_SECRET, 3600)
 */
export function jwtEncode(claims: JwtClaims, secret: string | undefined, ttlSeconds?: number, options?: JwtOptions): string {
  const key = requireSecret(secret, options)
  const now = Math.floor(Date.now() / 1000)
  const body: JwtClaims = { iat: now, ...claims }
  if (ttlSeconds && ttlSeconds > 0 && body.exp === undefined) body.exp = now + ttlSeconds
  const head = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')
  const payload = Buffer.from(JSON.stringify(body)).toString('base64url')
  return `${head}.${payload}.${sign(`${head}.${payload}`, key).toString('base64url')}`
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

/** A time claim: absent is fine, present must be a finite number. */
const badTime = (v: unknown): boolean => v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))

/**
 * Verifies the signature (HS256 only: `alg: none` and other algorithms are refused), `exp` and `nbf`.
 * Every part must be base64url without padding (RFC 7515): `=`, `+` or `/` is refused, and so is a
 * signature that is not the canonical encoding. A non-numeric `exp`/`nbf` is refused.
 * Returns the claims, or null for any bad token (never throws for client input). Throws JwtSecretError
 * for a missing, placeholder or short secret unless `allowWeakSecret` (a configuration error).
 */
export function jwtVerify(token: string, secret: string | undefined, options?: JwtOptions): JwtClaims | null {
  const key = requireSecret(secret, options)
  const parts = token.split('.')
  if (parts.length !== 3) return null
  const [head, payload, sig] = parts as [string, string, string]
  if (!B64URL.test(head) || !B64URL.test(payload) || !B64URL.test(sig)) return null
  let header: unknown
  try {
    header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8'))
  } catch {
    return null
  }
  if (!header || (header as { alg?: unknown }).alg !== 'HS256') return null
  // Compare the canonical base64url text: a signature with other trailing bits decodes to the same
  // bytes in Node, so comparing bytes would accept more than one spelling.
  const expected = Buffer.from(sign(`${head}.${payload}`, key).toString('base64url'))
  const given = Buffer.from(sig)
  if (given.length !== expected.length || !crypto().timingSafeEqual(given, expected)) return null
  const claims = jwtDecode(token)
  if (!claims) return null
  if (badTime(claims.exp) || badTime(claims.nbf)) return null
  const now = Math.floor(Date.now() / 1000)
  if (claims.exp !== undefined && now >= claims.exp) return null
  if (claims.nbf !== undefined && now < claims.nbf) return null
  return claims
}
