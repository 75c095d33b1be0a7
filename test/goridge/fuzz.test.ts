/**
 * Fuzz: one million random and mutated frames and streams fed to the decoder in random chunkings.
 * Every input must end in frames or a typed GoridgeError: no other exception, no hang (each input
 * is finite and the decoder never loops without consuming), no allocation beyond what was received.
 */
import { describe, expect, it } from 'vitest'
import { FrameDecoder, GoridgeError, crc32, encodeFrame } from '../../src/goridge/index.js'

// Deterministic PRNG (xorshift32) so a failure can be replayed from the printed seed.
function prng(seed: number) {
  let x = seed >>> 0 || 1
  return (n: number) => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x % n
  }
}

const TOTAL = 1_000_000
const MAX_PAYLOAD = 64 * 1024

describe('FrameDecoder fuzz', () => {
  it(`survives ${TOTAL.toLocaleString('en-US')} random and mutated inputs with only typed errors`, () => {
    const seed = 20261127
    const rand = prng(seed)
    const valid: Buffer[] = []
    for (let i = 0; i < 64; i++) {
      valid.push(
        encodeFrame({
          flags: rand(256),
          byte10: rand(16),
          options: Array.from({ length: rand(11) }, () => rand(0x7fffffff)),
          payload: Buffer.alloc(rand(4) === 0 ? rand(4000) : rand(40), rand(256)),
        }),
      )
    }
    let frames = 0
    let errors = 0
    const codes = new Map<string, number>()
    for (let i = 0; i < TOTAL; i++) {
      let input: Buffer
      const kind = rand(6)
      if (kind === 0) {
        input = Buffer.alloc(rand(64))
        for (let j = 0; j < input.length; j++) input[j] = rand(256)
      } else if (kind === 1) {
        // a stream of several valid frames with one byte flipped somewhere
        input = Buffer.concat([valid[rand(64)]!, valid[rand(64)]!, valid[rand(64)]!])
        input[rand(input.length)]! ^= 1 << rand(8)
      } else if (kind === 2) {
        // truncated frame
        const v = valid[rand(64)]!
        input = v.subarray(0, rand(v.length))
      } else if (kind === 3) {
        // valid header whose length field claims a huge payload
        input = Buffer.from(valid[rand(64)]!)
        input.writeUInt32LE(rand(0xffffffff), 2)
        if (rand(2)) input.writeUInt32LE(crc32(input, 0, 6), 6) // keep the CRC valid half the time
      } else if (kind === 4) {
        // HL nibble mutated
        input = Buffer.from(valid[rand(64)]!)
        input[0] = (input[0]! & 0xf0) | rand(16)
        if (rand(2)) input.writeUInt32LE(crc32(input, 0, 6), 6)
      } else {
        input = Buffer.concat([valid[rand(64)]!, valid[rand(64)]!])
      }
      const d = new FrameDecoder({ maxPayload: MAX_PAYLOAD })
      try {
        for (let at = 0; at < input.length; ) {
          const n = 1 + rand(input.length)
          frames += d.push(input.subarray(at, at + n)).length
          at += n
        }
        // never holds more than it was given
        if (d.buffered > input.length) throw new Error(`buffered ${d.buffered} > input ${input.length}`)
      } catch (err) {
        if (!(err instanceof GoridgeError)) {
          throw new Error(`seed ${seed}, input #${i} (${input.toString('hex').slice(0, 80)}): untyped error ${String(err)}`)
        }
        errors++
        codes.set(err.code, (codes.get(err.code) ?? 0) + 1)
      }
    }
    expect(frames + errors).toBeGreaterThan(TOTAL / 2)
    expect(codes.get('RR_ERR_BAD_CRC')).toBeGreaterThan(0)
    expect(codes.get('RR_ERR_PAYLOAD_TOO_LARGE')).toBeGreaterThan(0)
    expect(codes.get('RR_ERR_BAD_HEADER_LENGTH')).toBeGreaterThan(0)
    expect([...codes.keys()].every((c) => c.startsWith('RR_ERR_'))).toBe(true)
  }, 120_000)
})
