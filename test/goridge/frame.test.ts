import { describe, expect, it } from 'vitest'
import {
  FLAG_CODEC_JSON,
  FLAG_CODEC_PROTO,
  FLAG_CONTROL,
  GoridgeError,
  STREAM_BIT_PONG,
  STREAM_BIT_STOP,
  crc32,
  decodeFrame,
  encodeFrame,
  encodeHeader,
} from '../../src/goridge/index.js'

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')

// Worked examples from the protocol spec (§1.8), each checked by two independent CRC implementations.
const VECTORS = {
  pidRequest: '13 09 0c 00 00 00 5f 0c 46 73 00 00 7b 22 70 69 64 22 3a 34 32 34 32 7d',
  pidReply: '13 01 0c 00 00 00 9e 47 36 43 00 00 7b 22 70 69 64 22 3a 35 31 35 31 7d',
  httpResponse:
    '14 80 26 00 00 00 5e a1 3a 1d 00 00 21 00 00 00 08 c8 01 12 1c 0a 0c 43 6f 6e 74 65 6e 74 2d 54 79 70 65 12 0c 0a 0a 74 65 78 74 2f 70 6c 61 69 6e 48 65 6c 6c 6f',
  jobsAck: '14 00 14 00 00 00 e6 21 fe f6 00 00 00 00 00 00 7b 22 74 79 70 65 22 3a 32 2c 22 64 61 74 61 22 3a 7b 7d 7d',
  pong: '13 00 00 00 00 00 96 d1 80 34 08 00',
  streamStop: '13 00 00 00 00 00 96 d1 80 34 02 00',
  rpcCall: '15 08 11 00 00 00 b0 49 0c 3a 00 00 01 00 00 00 0d 00 00 00 69 6e 66 6f 72 6d 65 72 2e 4c 69 73 74 74 72 75 65',
}

describe('crc32', () => {
  it('matches the CRC-32/IEEE check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926)
  })
  it('covers only the given range', () => {
    expect(crc32(hex('13 09 0c 00 00 00'))).toBe(0x73460c5f)
    expect(crc32(hex('ff 13 09 0c 00 00 00 ff'), 1, 7)).toBe(0x73460c5f)
  })
})

describe('encodeFrame', () => {
  it('encodes rr’s PID request byte for byte', () => {
    expect(encodeFrame({ flags: FLAG_CONTROL | FLAG_CODEC_JSON, payload: Buffer.from('{"pid":4242}') })).toEqual(hex(VECTORS.pidRequest))
  })
  it('encodes the PID reply byte for byte', () => {
    expect(encodeFrame({ flags: FLAG_CONTROL, payload: Buffer.from('{"pid":5151}') })).toEqual(hex(VECTORS.pidReply))
  })
  it('encodes an HTTP response with one option and context ‖ body from two parts', () => {
    const frame = hex(VECTORS.httpResponse)
    const context = frame.subarray(16, 16 + 33)
    expect(encodeFrame({ flags: FLAG_CODEC_PROTO, options: [33], payload: [context, Buffer.from('Hello')] })).toEqual(frame)
  })
  it('encodes a jobs ack with an empty context', () => {
    expect(encodeFrame({ flags: 0, options: [0], payload: Buffer.from('{"type":2,"data":{}}') })).toEqual(hex(VECTORS.jobsAck))
  })
  it('encodes PONG and STOP: byte 10 is outside the CRC', () => {
    expect(encodeFrame({ byte10: STREAM_BIT_PONG })).toEqual(hex(VECTORS.pong))
    expect(encodeFrame({ byte10: STREAM_BIT_STOP })).toEqual(hex(VECTORS.streamStop))
  })
  it('encodes an RPC call with two options', () => {
    const name = Buffer.from('informer.List')
    expect(encodeFrame({ flags: FLAG_CODEC_JSON, options: [1, name.length], payload: [name, Buffer.from('true')] })).toEqual(hex(VECTORS.rpcCall))
  })
  it('encodeHeader matches the head of encodeFrame', () => {
    const full = encodeFrame({ flags: 0x80, options: [7, 9], payload: Buffer.alloc(100, 1), byte10: 1 })
    expect(encodeHeader(0x80, [7, 9], 100, 1)).toEqual(full.subarray(0, 20))
  })
  it('rejects more than 10 options', () => {
    expect(() => encodeFrame({ options: new Array(11).fill(1) })).toThrowError(
      expect.objectContaining({ code: 'RR_ERR_TOO_MANY_OPTIONS' }),
    )
  })
  it('rejects options that are not uint32', () => {
    expect(() => encodeFrame({ options: [-1] })).toThrowError(expect.objectContaining({ code: 'RR_ERR_BAD_OPTION' }))
    expect(() => encodeFrame({ options: [2 ** 32] })).toThrowError(GoridgeError)
  })
  it('writes ten options (HL 13)', () => {
    const f = encodeFrame({ options: [0, 1, 2, 3, 4, 5, 6, 7, 8, 0xffffffff], payload: Buffer.from('x') })
    expect(f[0]).toBe(0x1d)
    expect(decodeFrame(f).options).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 0xffffffff])
  })
})

describe('decodeFrame', () => {
  it('decodes every worked example', () => {
    const rpc = decodeFrame(hex(VECTORS.rpcCall))
    expect(rpc.flags).toBe(FLAG_CODEC_JSON)
    expect(rpc.options).toEqual([1, 13])
    expect(rpc.payload.toString()).toBe('informer.Listtrue')
    const http = decodeFrame(hex(VECTORS.httpResponse))
    expect(http.options).toEqual([33])
    expect(http.payload.subarray(33).toString()).toBe('Hello')
    expect(decodeFrame(hex(VECTORS.streamStop)).byte10).toBe(STREAM_BIT_STOP)
  })
  it('returns the payload as a view, not a copy', () => {
    const bytes = hex(VECTORS.pidRequest)
    const f = decodeFrame(bytes)
    expect(f.payload.buffer).toBe(bytes.buffer)
  })
  it('rejects a header whose CRC does not match, showing the bytes', () => {
    const bad = hex(VECTORS.pidRequest)
    bad[6]! ^= 0xff
    expect(() => decodeFrame(bad)).toThrowError(/CRC mismatch.*13 09 0c 00 00 00 a0 0c 46 73 00 00.*stdout/)
  })
  it('says so when the header bytes are plain text', () => {
    const text = Buffer.from('hello world, this is console.log output\n')
    let err: unknown
    try {
      decodeFrame(text)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(GoridgeError)
    expect((err as GoridgeError).code).toBe('RR_ERR_BAD_CRC')
    expect((err as Error).message).toContain('"hello world,"')
    expect((err as Error).message).toContain('printed plain output')
  })
})
