/**
 * Goridge v3 frame layout, encoding and header parsing. Pure byte work: no streams, no sockets.
 * The diagram lives in FRAME.md next to this file.
 *
 * ```
 * byte 0      version (high nibble, always 1) | HL (low nibble: header length in 32-bit words, 3..13)
 * byte 1      flags (codec / CONTROL / ERROR)
 * bytes 2..5  payload length, uint32 LE (options not counted)
 * bytes 6..9  CRC-32/IEEE of bytes 0..5, uint32 LE
 * byte 10     stream bits (STREAM / STOP / PING / PONG), not covered by the CRC
 * byte 11     reserved, 0
 * 12..4·HL    HL-3 options, uint32 LE each (at most 10)
 * 4·HL..      payload
 * ```
 * @module
 */
import { crc32 } from './crc32.js'
import { GoridgeError, describeStrayText, hexDump } from './errors.js'

/** Protocol version written into every frame. */
export const VERSION = 1
/** Size of the fixed header without options. */
export const HEADER_SIZE = 12
/** Most options a frame can carry (40 bytes). */
export const MAX_OPTIONS = 10
/** Largest payload a uint32 length field can describe. */
export const MAX_PAYLOAD_LENGTH = 0xffff_ffff

/** A decoded frame. `payload` is a view into the received bytes: copy it if you keep it past the next read. */
export interface Frame {
  /** Byte 1: codec and type flags. */
  flags: number
  /** Byte 10: stream control bits. */
  byte10: number
  /** Options (uint32 each). */
  options: number[]
  /** Payload bytes (options excluded). */
  payload: Buffer
}

/** What to encode. */
export interface FrameInit {
  flags?: number
  byte10?: number
  options?: readonly number[]
  /** Payload: one buffer, or several parts written back to back (e.g. context and body). */
  payload?: Uint8Array | readonly Uint8Array[]
}

/** Parsed fixed header fields. */
export interface FrameHeader {
  version: number
  /** Header length in 32-bit words (3 + options). */
  hl: number
  flags: number
  payloadLength: number
  byte10: number
}

const EMPTY = Buffer.alloc(0)

function checkOptions(options: readonly number[]): void {
  if (options.length > MAX_OPTIONS) {
    throw new GoridgeError('RR_ERR_TOO_MANY_OPTIONS', `a goridge frame carries at most ${MAX_OPTIONS} options, got ${options.length}`)
  }
  for (const o of options) {
    if (!Number.isInteger(o) || o < 0 || o > 0xffff_ffff) {
      throw new GoridgeError('RR_ERR_BAD_OPTION', `goridge options are uint32 values, got ${o}`)
    }
  }
}

/**
 * Writes a header (fixed part and options) into `target` at `offset` and returns the header size.
 * The CRC is computed after HL, flags and length are final, as rr requires.
 */
export function writeHeader(
  target: Uint8Array,
  offset: number,
  flags: number,
  options: readonly number[],
  payloadLength: number,
  byte10 = 0,
): number {
  checkOptions(options)
  if (payloadLength > MAX_PAYLOAD_LENGTH) {
    throw new GoridgeError('RR_ERR_PAYLOAD_TOO_LARGE', `payload of ${payloadLength} bytes does not fit a goridge frame (max ${MAX_PAYLOAD_LENGTH})`)
  }
  const hl = 3 + options.length
  target[offset] = (VERSION << 4) | hl
  target[offset + 1] = flags & 0xff
  target[offset + 2] = payloadLength & 0xff
  target[offset + 3] = (payloadLength >>> 8) & 0xff
  target[offset + 4] = (payloadLength >>> 16) & 0xff
  target[offset + 5] = (payloadLength >>> 24) & 0xff
  const crc = crc32(target, offset, offset + 6)
  target[offset + 6] = crc & 0xff
  target[offset + 7] = (crc >>> 8) & 0xff
  target[offset + 8] = (crc >>> 16) & 0xff
  target[offset + 9] = (crc >>> 24) & 0xff
  target[offset + 10] = byte10 & 0xff
  target[offset + 11] = 0
  let p = offset + HEADER_SIZE
  for (const o of options) {
    target[p] = o & 0xff
    target[p + 1] = (o >>> 8) & 0xff
    target[p + 2] = (o >>> 16) & 0xff
    target[p + 3] = (o >>> 24) & 0xff
    p += 4
  }
  return hl * 4
}

/**
 * Encodes only the header of a frame, for writing header and a large payload as two writes
 * without copying the payload.
 */
export function encodeHeader(flags: number, options: readonly number[], payloadLength: number, byte10 = 0): Buffer {
  const header = Buffer.allocUnsafe(HEADER_SIZE + options.length * 4)
  writeHeader(header, 0, flags, options, payloadLength, byte10)
  return header
}

/**
 * Writes the header of a frame with exactly one option (rr's request/response frames: the option
 * is the context length) at `offset` and returns where the payload starts (`offset + 16`). For
 * per-request encoders that write context and body into the same buffer; `option` and
 * `payloadLength` must be uint32 (the caller computed them from byte lengths).
 */
export function writeHeader1(target: Uint8Array, offset: number, flags: number, option: number, payloadLength: number, byte10: number): number {
  if (payloadLength > MAX_PAYLOAD_LENGTH) {
    throw new GoridgeError('RR_ERR_PAYLOAD_TOO_LARGE', `payload of ${payloadLength} bytes does not fit a goridge frame (max ${MAX_PAYLOAD_LENGTH})`)
  }
  target[offset] = (VERSION << 4) | 4
  target[offset + 1] = flags & 0xff
  target[offset + 2] = payloadLength & 0xff
  target[offset + 3] = (payloadLength >>> 8) & 0xff
  target[offset + 4] = (payloadLength >>> 16) & 0xff
  target[offset + 5] = (payloadLength >>> 24) & 0xff
  const crc = crc32(target, offset, offset + 6)
  target[offset + 6] = crc & 0xff
  target[offset + 7] = (crc >>> 8) & 0xff
  target[offset + 8] = (crc >>> 16) & 0xff
  target[offset + 9] = (crc >>> 24) & 0xff
  target[offset + 10] = byte10 & 0xff
  target[offset + 11] = 0
  target[offset + 12] = option & 0xff
  target[offset + 13] = (option >>> 8) & 0xff
  target[offset + 14] = (option >>> 16) & 0xff
  target[offset + 15] = (option >>> 24) & 0xff
  return offset + HEADER_SIZE + 4
}

function parts(payload: FrameInit['payload']): readonly Uint8Array[] {
  if (payload === undefined) return []
  return payload instanceof Uint8Array ? [payload] : payload
}

/**
 * Encodes a whole frame (header, options, payload) into one buffer with one allocation.
 * @example
 * import { encodeFrame, FLAG_CONTROL } from 'pionia/goridge'
 * const pidReply = encodeFrame({ flags: FLAG_CONTROL, payload: Buffer.from('{"pid":42}') })
 */
export function encodeFrame(init: FrameInit): Buffer {
  const options = init.options ?? []
  const ps = parts(init.payload)
  let length = 0
  for (const p of ps) length += p.byteLength
  const headerSize = HEADER_SIZE + options.length * 4
  const out = Buffer.allocUnsafe(headerSize + length)
  writeHeader(out, 0, init.flags ?? 0, options, length, init.byte10 ?? 0)
  let at = headerSize
  for (const p of ps) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}

/**
 * Parses and validates the fixed 12-byte header at `offset`. Throws a {@link GoridgeError} for a
 * bad CRC, version or header length.
 */
export function readHeader(bytes: Uint8Array, offset = 0): FrameHeader {
  const b0 = bytes[offset]!
  const stored =
    (bytes[offset + 6]! | (bytes[offset + 7]! << 8) | (bytes[offset + 8]! << 16) | (bytes[offset + 9]! << 24)) >>> 0
  const actual = crc32(bytes, offset, offset + 6)
  if (stored !== actual) {
    const head = bytes.subarray(offset, offset + HEADER_SIZE)
    throw new GoridgeError(
      'RR_ERR_BAD_CRC',
      `goridge header CRC mismatch (stored 0x${stored.toString(16).padStart(8, '0')}, computed 0x${actual
        .toString(16)
        .padStart(8, '0')}); header bytes: ${hexDump(head)}.` +
        (describeStrayText(head) ||
          ' The usual cause is something printed to stdout, which is the protocol channel on the pipes relay.'),
      head,
    )
  }
  const version = b0 >>> 4
  const hl = b0 & 0x0f
  if (version !== VERSION) {
    throw new GoridgeError('RR_ERR_BAD_VERSION', `goridge frame version ${version}, expected ${VERSION}; header bytes: ${hexDump(bytes.subarray(offset, offset + HEADER_SIZE))}`, bytes.subarray(offset, offset + HEADER_SIZE))
  }
  if (hl < 3 || hl > 3 + MAX_OPTIONS) {
    throw new GoridgeError('RR_ERR_BAD_HEADER_LENGTH', `goridge header length of ${hl} words is outside 3..${3 + MAX_OPTIONS}; header bytes: ${hexDump(bytes.subarray(offset, offset + HEADER_SIZE))}`, bytes.subarray(offset, offset + HEADER_SIZE))
  }
  const payloadLength =
    (bytes[offset + 2]! | (bytes[offset + 3]! << 8) | (bytes[offset + 4]! << 16) | (bytes[offset + 5]! << 24)) >>> 0
  return { version, hl, flags: bytes[offset + 1]!, payloadLength, byte10: bytes[offset + 10]! }
}

/** Reads `count` uint32 LE options starting at `offset`. */
export function readOptions(bytes: Uint8Array, offset: number, count: number): number[] {
  const out = new Array<number>(count)
  for (let i = 0; i < count; i++) {
    const p = offset + i * 4
    out[i] = (bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 24)) >>> 0
  }
  return out
}

/**
 * Decodes exactly one complete frame from `bytes` (all of it must be present).
 * The returned payload is a view into `bytes`.
 */
export function decodeFrame(bytes: Uint8Array): Frame {
  if (bytes.length < HEADER_SIZE) {
    throw new GoridgeError('RR_ERR_BAD_HEADER_LENGTH', `a goridge frame is at least ${HEADER_SIZE} bytes, got ${bytes.length}`)
  }
  const h = readHeader(bytes)
  const start = h.hl * 4
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (buf.length < start + h.payloadLength) {
    throw new GoridgeError('RR_ERR_BAD_HEADER_LENGTH', `goridge frame announces ${h.payloadLength} payload bytes but only ${buf.length - start} are present`)
  }
  return {
    flags: h.flags,
    byte10: h.byte10,
    options: readOptions(buf, HEADER_SIZE, h.hl - 3),
    payload: h.payloadLength === 0 ? EMPTY : buf.subarray(start, start + h.payloadLength),
  }
}
