import { describe, expect, it } from 'vitest'
import { FrameDecoder, GoridgeError, crc32, encodeFrame, writeHeader, type Frame } from '../../src/goridge/index.js'

function sampleFrames(): Buffer[] {
  return [
    encodeFrame({ flags: 0x09, payload: Buffer.from('{"pid":1}') }),
    encodeFrame({ flags: 0x80, options: [3], payload: [Buffer.from('ctx'), Buffer.from('body bytes')], byte10: 1 }),
    encodeFrame({ byte10: 0x02 }),
    encodeFrame({ flags: 0x08, options: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], payload: Buffer.alloc(300, 7) }),
    encodeFrame({ flags: 0x04, options: [0], payload: Buffer.alloc(70_000, 3) }),
  ]
}

function summary(frames: Frame[]) {
  return frames.map((f) => ({ flags: f.flags, byte10: f.byte10, options: f.options, payload: Buffer.from(f.payload).toString('hex') }))
}

describe('FrameDecoder', () => {
  const frames = sampleFrames()
  const stream = Buffer.concat(frames)
  const expected = summary(frames.map((f) => new FrameDecoder().push(f)[0]!))

  it('decodes many frames delivered in one chunk', () => {
    expect(summary(new FrameDecoder().push(stream))).toEqual(expected)
  })

  it('decodes a stream delivered one byte at a time', () => {
    const d = new FrameDecoder()
    const out: Frame[] = []
    for (let i = 0; i < stream.length; i++) d.push(stream.subarray(i, i + 1), out)
    expect(summary(out)).toEqual(expected)
    expect(d.buffered).toBe(0)
  })

  it('decodes a frame split into two chunks at every cut point', () => {
    const f = frames[1]!
    for (let cut = 0; cut <= f.length; cut++) {
      const d = new FrameDecoder()
      const out = d.push(f.subarray(0, cut))
      d.push(f.subarray(cut), out)
      expect(out).toHaveLength(1)
      expect(Buffer.from(out[0]!.payload).toString()).toBe('ctxbody bytes')
      expect(out[0]!.options).toEqual([3])
    }
  })

  it('decodes random chunkings of the same stream identically', () => {
    let seed = 12345
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    for (let round = 0; round < 200; round++) {
      const d = new FrameDecoder()
      const out: Frame[] = []
      for (let at = 0; at < stream.length; ) {
        const n = 1 + rand(round % 2 ? 40 : 20_000)
        d.push(stream.subarray(at, at + n), out)
        at += n
      }
      expect(summary(out)).toEqual(expected)
    }
  })

  it('returns zero-copy views for payloads inside one chunk and copies across chunks', () => {
    const d = new FrameDecoder()
    const [one] = d.push(frames[1]!)
    expect(one!.payload.buffer).toBe(frames[1]!.buffer)
    const a = frames[1]!.subarray(0, 20)
    const b = frames[1]!.subarray(20)
    const d2 = new FrameDecoder()
    d2.push(a)
    const [two] = d2.push(b)
    expect(two!.payload.buffer).not.toBe(frames[1]!.buffer)
    expect(Buffer.from(two!.payload).toString()).toBe('ctxbody bytes')
  })

  it('rejects a corrupted CRC with a typed error and stays failed', () => {
    const bad = Buffer.from(frames[0]!)
    bad[2]! ^= 1
    const d = new FrameDecoder()
    expect(() => d.push(bad)).toThrowError(expect.objectContaining({ code: 'RR_ERR_BAD_CRC' }))
    expect(() => d.push(frames[0]!)).toThrowError(expect.objectContaining({ code: 'RR_ERR_BAD_CRC' }))
  })

  it('rejects a header length below 3 or above 13 words even with a valid CRC', () => {
    for (const hl of [0, 1, 2, 14, 15]) {
      const h = Buffer.alloc(12)
      writeHeader(h, 0, 0, [], 0)
      h[0] = 0x10 | hl
      // recompute the CRC over the altered byte 0 so only the HL check can fail
      const c = crc32(h, 0, 6)
      h.writeUInt32LE(c, 6)
      expect(() => new FrameDecoder().push(h)).toThrowError(expect.objectContaining({ code: 'RR_ERR_BAD_HEADER_LENGTH' }))
    }
  })

  it('rejects a frame larger than maxPayload before buffering it', () => {
    const h = Buffer.alloc(12)
    writeHeader(h, 0, 0, [], 5_000_000)
    const d = new FrameDecoder({ maxPayload: 1_000_000 })
    let err: unknown
    try {
      d.push(h)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(GoridgeError)
    expect((err as GoridgeError).code).toBe('RR_ERR_PAYLOAD_TOO_LARGE')
    expect((err as Error).message).toMatch(/5000000-byte payload.*1000000-byte limit/)
  })

  it('waits for the rest of a frame without returning partial frames', () => {
    const d = new FrameDecoder()
    expect(d.push(frames[4]!.subarray(0, 1000))).toEqual([])
    expect(d.buffered).toBe(1000)
  })
})
