/**
 * The maintenance bypass token is compared in constant time: whatever the client sends (right, wrong,
 * shorter, longer, a prefix), the comparison is one crypto.timingSafeEqual over two SHA-256 digests
 * of equal length, so neither the content nor the length of the token leaks through timing.
 */
import { describe, expect, it, vi } from 'vitest'

const calls: [Buffer, Buffer][] = []
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>()
  return {
    ...real,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      calls.push([Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)])
      return real.timingSafeEqual(a, b)
    },
  }
})

const { bypasses } = await import('../../src/moonlight/http/maintenance.js')

describe('maintenance bypass comparison', () => {
  const token = 'correct-horse-battery-staple-42'
  const state = { enabled: true, message: 'down', retryAfter: undefined, code: 503, bypassToken: token }
  const url = new URL('http://localhost/api/v1/')

  it('one timingSafeEqual over equal-length digests for every candidate, and only the exact token passes', () => {
    const candidates = [token, token.slice(0, -1), token + 'x', 'c', '', 'x'.repeat(token.length), token.toUpperCase(), 'a'.repeat(10_000)]
    for (const given of candidates) {
      calls.length = 0
      const req = new Request(url, { headers: { 'x-maintenance-bypass': given } })
      const passed = bypasses(state, url, req)
      expect(passed).toBe(given === token)
      expect(calls).toHaveLength(1)
      const [a, b] = calls[0]!
      expect(a.length).toBe(32)
      expect(b.length).toBe(32)
    }
  })

  it('the query form goes through the same comparison', () => {
    calls.length = 0
    const q = new URL(`http://localhost/api/v1/?bypass=${encodeURIComponent(token.slice(0, 5))}`)
    expect(bypasses(state, q, new Request(q))).toBe(false)
    expect(calls).toHaveLength(1)
    expect(calls[0]![0].length).toBe(32)
  })

  it('no token configured: nothing bypasses, nothing is compared', () => {
    calls.length = 0
    const req = new Request(url, { headers: { 'x-maintenance-bypass': '' } })
    expect(bypasses({ ...state, bypassToken: undefined }, url, req)).toBe(false)
    expect(calls).toHaveLength(0)
  })
})
