/**
 * Cross-check with the Go goridge that rr itself uses: frames Go encodes decode identically here,
 * and frames we encode pass Go's pipe relay (rr's receive path, which verifies the CRC) unchanged.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { FrameDecoder, encodeFrame } from '../../src/goridge/index.js'
import { goProgram } from '../helpers/go.js'

interface Vector {
  flags: number
  byte10: number
  options: number[]
  payload: string
  frame: string
}

const xcheck = goProgram('xcheck')

describe('goridge cross-check with Go (github.com/roadrunner-server/goridge/v3 v3.8.3)', () => {
  const vectors = JSON.parse(execFileSync(xcheck, ['encode'], { encoding: 'utf8' })) as Vector[]

  it('decodes every Go-encoded frame to the same fields', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(10)
    for (const v of vectors) {
      const frames = new FrameDecoder().push(Buffer.from(v.frame, 'hex'))
      expect(frames).toHaveLength(1)
      const f = frames[0]!
      expect({ flags: f.flags, byte10: f.byte10, options: f.options, payload: f.payload.toString('hex') }).toEqual({
        flags: v.flags,
        byte10: v.byte10,
        options: v.options,
        payload: v.payload,
      })
    }
  })

  it('encodes the same bytes as Go for the same fields', () => {
    for (const v of vectors) {
      const ours = encodeFrame({ flags: v.flags, byte10: v.byte10, options: v.options, payload: Buffer.from(v.payload, 'hex') })
      expect(ours.toString('hex')).toBe(v.frame)
    }
  })

  it('frames we encode pass Go’s CRC check and decode identically through rr’s pipe relay', () => {
    let seed = 7
    const rand = (n: number) => {
      seed = (seed * 48271) % 2147483647
      return seed % n
    }
    const sent: { flags: number; byte10: number; options: number[]; payload: string }[] = []
    const parts: Buffer[] = []
    for (let i = 0; i < 300; i++) {
      const options = Array.from({ length: rand(11) }, () => rand(2 ** 31) * 2 + rand(2))
      const payload = Buffer.alloc(rand(5) === 0 ? rand(200_000) : rand(300))
      for (let j = 0; j < payload.length; j += 97) payload[j] = rand(256)
      const flags = rand(256)
      const byte10 = rand(16)
      sent.push({ flags, byte10, options, payload: payload.toString('hex') })
      parts.push(encodeFrame({ flags, byte10, options, payload }))
    }
    const res = spawnSync(xcheck, ['decode'], { input: Buffer.concat(parts), maxBuffer: 256 * 1024 * 1024 })
    expect(res.status).toBe(0)
    const lines = res.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines.find((l) => 'error' in l)).toBeUndefined()
    expect(lines).toHaveLength(sent.length)
    lines.forEach((l, i) => {
      expect(l.crcOk).toBe(true)
      expect(l.version).toBe(1)
      expect({ flags: l.flags, byte10: l.byte10, options: l.options, payload: l.payload }).toEqual(sent[i])
    })
  })

  it('Go rejects a frame whose CRC we corrupted, as rr would', () => {
    const f = encodeFrame({ flags: 0x80, options: [0], payload: Buffer.from('x') })
    f[3]! ^= 0xff
    const res = spawnSync(xcheck, ['decode'], { input: f })
    const out = res.stdout.toString()
    expect(out).toMatch(/"error":"[^"]*(CRC|validation)/i)
  })
})
