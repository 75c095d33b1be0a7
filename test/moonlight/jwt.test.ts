/**
 * jwtVerify/jwtEncode without rr: which secrets they refuse (placeholders, short, low-variety), what
 * DEBUG allows, the startup warnings, and the strict token form (base64url without padding, numeric exp).
 */
import { describe, expect, it } from 'vitest'
import { createHmac } from 'node:crypto'
import {
  createApp, jwtAuthentication, jwtEncode, jwtSecretProblem, jwtVerify, JwtSecretError, Service, response,
} from '../../src/moonlight/index.js'
import { post, recordingLogger, tempRoot } from './helpers.js'

const STRONG = '3f0a9d1c7e5b2846a1c0f9e8d7b6a5c4'
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
const signed = (claims: Record<string, unknown>, secret = STRONG) => {
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`
}

describe('JWT secrets', () => {
  it('refuses the .env.example placeholder, obvious ones, short and low-variety secrets; accepts a random 32-byte one', () => {
    for (const weak of ['change-me-to-a-long-random-string', 'CHANGEME', 'secret', 'your-256-bit-secret', 'please-replace-me-with-something-long',
      'placeholder-placeholder-placeholder', 'a-16-byte-secret', 'x'.repeat(64), 'abcabcabcabcabcabcabcabcabcabcabc']) {
      expect(jwtSecretProblem(weak), weak).not.toBeNull()
      expect(() => jwtEncode({ sub: 1 }, weak), weak).toThrow(JwtSecretError)
      expect(() => jwtVerify(signed({ sub: 1 }, weak), weak), weak).toThrow(/Refusing to use the JWT secret: .*openssl rand -hex 32/)
    }
    expect(jwtSecretProblem(STRONG)).toBeNull()
    expect(jwtVerify(jwtEncode({ sub: 1 }, STRONG, 60), STRONG)).toMatchObject({ sub: 1 })
    expect(() => jwtVerify('a.b.c', undefined)).toThrow(/JWT secret is not set/)
  })

  it('allowWeakSecret (what DEBUG passes) lets a placeholder sign and verify', () => {
    const weak = 'change-me-to-a-long-random-string'
    const t = jwtEncode({ sub: 3 }, weak, 60, { allowWeakSecret: true })
    expect(jwtVerify(t, weak, { allowWeakSecret: true })).toMatchObject({ sub: 3 })
  })

  it('only numeric exp/nbf count: a string, null or object exp is refused, a past exp is refused', () => {
    const now = Math.floor(Date.now() / 1000)
    for (const exp of [String(now - 10), String(now + 600), 'never', null, {}, [now + 600], Number.NaN]) {
      expect(jwtVerify(signed({ sub: 1, exp }), STRONG), String(exp)).toBeNull()
    }
    expect(jwtVerify(signed({ sub: 1, exp: now - 1 }), STRONG)).toBeNull()
    expect(jwtVerify(signed({ sub: 1, nbf: 'now' }), STRONG)).toBeNull()
    expect(jwtVerify(signed({ sub: 1, exp: now + 600 }), STRONG)).toMatchObject({ sub: 1 })
  })

  it('only base64url without padding: =, + and / and non-canonical signatures are refused', () => {
    let token = ''
    let mac = Buffer.alloc(0)
    for (let i = 0; ; i++) {
      token = signed({ sub: 1, jti: i })
      const head = token.split('.').slice(0, 2).join('.')
      mac = createHmac('sha256', STRONG).update(head).digest()
      if (/[-_]/.test(mac.toString('base64url'))) break
    }
    const head = token.slice(0, token.lastIndexOf('.'))
    expect(jwtVerify(token, STRONG)).not.toBeNull()
    expect(jwtVerify(`${token}=`, STRONG)).toBeNull()
    expect(jwtVerify(`${head}.${mac.toString('base64')}`, STRONG)).toBeNull()
    expect(jwtVerify(`${head}.${mac.toString('base64').replace(/=+$/, '')}`, STRONG)).toBeNull()
    // 43 characters carry 258 bits: flipping the last 2 (unused) bits decodes to the same bytes in Node.
    const sig = mac.toString('base64url')
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const last = alphabet.indexOf(sig.at(-1)!)
    const twin = `${sig.slice(0, -1)}${alphabet[last ^ 1]}`
    expect(Buffer.from(twin, 'base64url').equals(mac)).toBe(true)
    expect(jwtVerify(`${head}.${twin}`, STRONG)).toBeNull()
  })
})

class Me extends Service {
  static override auth = { authenticated: true }
  async meAction() {
    return response(0, 'me', this.auth()?.user)
  }
}

describe('the app with a weak JWT secret', () => {
  const weak = 'change-me-to-a-long-random-string'
  const app = (env: string) => {
    const logger = recordingLogger()
    const { root } = tempRoot('', env)
    return { logger, app: createApp({ root, logger, auth: [jwtAuthentication()], switches: { v1: { me: Me } } }) }
  }
  const bearer = { authorization: `Bearer ${signed({ sub: 9, permissions: ['admin'] }, weak)}` }

  it('outside DEBUG: an error at startup, forged tokens are anonymous (401) and the refusal is logged', async () => {
    const { app: a, logger } = app(`JWT_SECRET=${weak}\n`)
    expect(logger.lines.find((l) => l.level === 'error')?.message).toMatch(/placeholder.*every Bearer token is refused.*openssl rand -hex 32/)
    const r = await post(a, { service: 'me', action: 'me' }, { headers: bearer })
    expect(r.status).toBe(401)
    expect(logger.lines.some((l) => l.level === 'error' && /JwtSecretError: Refusing/.test(l.message))).toBe(true)
  })

  it('DEBUG=true: accepted, with loud startup warnings (DEBUG itself and the insecure secret)', async () => {
    const { app: a, logger } = app(`JWT_SECRET=${weak}\nDEBUG=true\n`)
    const warnings = logger.lines.filter((l) => l.level === 'warn').map((l) => l.message)
    expect(warnings.some((m) => /^DEBUG is on: __catalog is public/.test(m))).toBe(true)
    expect(warnings.some((m) => /^INSECURE: JWT secret is a placeholder/.test(m))).toBe(true)
    expect((await post(a, { service: 'me', action: 'me' }, { headers: bearer })).status).toBe(200)
  })

  it('a strong secret outside DEBUG: no startup warning at all', () => {
    const { logger } = app(`JWT_SECRET=${STRONG}\n`)
    expect(logger.lines).toEqual([])
  })
})
