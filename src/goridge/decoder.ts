/**
 * Incremental goridge frame decoder: bytes in, frames out, any chunking of the stream accepted
 * (one byte at a time, many frames per chunk). A payload that lies inside one chunk is returned as
 * a zero-copy view; only frames that span chunks are copied once.
 * @module
 */
import { GoridgeError } from './errors.js'
import { HEADER_SIZE, readHeader, readOptions, type Frame, type FrameHeader } from './frame.js'

/** Default largest payload accepted by a decoder: 1 GiB. */
export const DEFAULT_MAX_PAYLOAD = 1024 * 1024 * 1024

export interface FrameDecoderOptions {
  /** Largest payload accepted, in bytes; a larger announced length fails with RR_ERR_PAYLOAD_TOO_LARGE. */
  maxPayload?: number
}

const EMPTY = Buffer.alloc(0)

/**
 * @example
 * import { FrameDecoder } from 'pionia/goridge'
 * const decoder = new FrameDecoder()
 * socket.on('data', (chunk) => { for (const frame of decoder.push(chunk)) handle(frame) })
 */
export class FrameDecoder {
  readonly maxPayload: number
  #chunks: Buffer[] = []
  #head = 0
  #size = 0
  #header: FrameHeader | null = null
  #failed: GoridgeError | null = null
  #scratch = Buffer.allocUnsafe(HEADER_SIZE)

  constructor(options: FrameDecoderOptions = {}) {
    this.maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD
  }

  /** Bytes received but not yet returned as frames. */
  get buffered(): number {
    return this.#size
  }

  /**
   * Adds a chunk and returns every frame it completes (appended to `out` when given).
   * After a protocol error the decoder stays failed: the stream cannot be resynchronised, so every
   * later call throws the same {@link GoridgeError}.
   */
  push(chunk: Uint8Array, out: Frame[] = []): Frame[] {
    if (this.#failed) throw this.#failed
    if (this.#size === 0 && chunk.byteLength >= HEADER_SIZE) {
      // Nothing buffered (rr's usual one request per chunk): frames wholly inside this chunk are
      // read in place, without queueing the chunk. The rest, if any, takes the general path.
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      let at: number
      try {
        at = this.#inPlace(buf, out)
      } catch (err) {
        throw this.#fail(err)
      }
      if (at === buf.length) return out
      chunk = buf.subarray(at)
    }
    if (chunk.byteLength > 0) {
      this.#chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))
      this.#size += chunk.byteLength
    }
    try {
      while (this.#next(out));
    } catch (err) {
      throw this.#fail(err)
    }
    return out
  }

  /** The decoder is failed for good: drops what it holds and returns the error to throw. */
  #fail(err: unknown): GoridgeError {
    this.#failed = err instanceof GoridgeError ? err : new GoridgeError('RR_ERR_BAD_HEADER_LENGTH', String(err))
    this.#chunks = []
    this.#size = 0
    return this.#failed
  }

  /** Appends the complete frames at the start of `buf` to `out`; returns where the first incomplete one starts. */
  #inPlace(buf: Buffer, out: Frame[]): number {
    let at = 0
    while (buf.length - at >= HEADER_SIZE) {
      const h = readHeader(buf, at)
      this.#checkLength(h)
      const headerBytes = h.hl * 4
      const end = at + headerBytes + h.payloadLength
      if (end > buf.length) break
      out.push({
        flags: h.flags,
        byte10: h.byte10,
        options: headerBytes === HEADER_SIZE ? [] : readOptions(buf, at + HEADER_SIZE, h.hl - 3),
        payload: h.payloadLength === 0 ? EMPTY : buf.subarray(at + headerBytes, end),
      })
      at = end
    }
    return at
  }

  #checkLength(h: FrameHeader): void {
    if (h.payloadLength > this.maxPayload) {
      throw new GoridgeError(
        'RR_ERR_PAYLOAD_TOO_LARGE',
        `goridge frame announces a ${h.payloadLength}-byte payload, over the ${this.maxPayload}-byte limit; raise maxPayload if the peer really sends frames this large`,
      )
    }
  }

  #next(out: Frame[]): boolean {
    let h = this.#header
    if (h === null) {
      if (this.#size < HEADER_SIZE) return false
      h = readHeader(this.#peekHeader())
      this.#checkLength(h)
      this.#header = h
    }
    const headerBytes = h.hl * 4
    const total = headerBytes + h.payloadLength
    if (this.#size < total) return false
    const bytes = this.#take(total)
    this.#header = null
    out.push({
      flags: h.flags,
      byte10: h.byte10,
      options: headerBytes === HEADER_SIZE ? [] : readOptions(bytes, HEADER_SIZE, h.hl - 3),
      payload: h.payloadLength === 0 ? EMPTY : bytes.subarray(headerBytes),
    })
    return true
  }

  /** The first 12 unread bytes, as a view when they lie in one chunk, else copied into scratch. */
  #peekHeader(): Buffer {
    const first = this.#chunks[0]!
    if (first.length - this.#head >= HEADER_SIZE) return first.subarray(this.#head, this.#head + HEADER_SIZE)
    let w = 0
    let head = this.#head
    for (let i = 0; w < HEADER_SIZE; i++) {
      const c = this.#chunks[i]!
      const n = Math.min(c.length - head, HEADER_SIZE - w)
      c.copy(this.#scratch, w, head, head + n)
      w += n
      head = 0
    }
    return this.#scratch
  }

  /** Removes `n` bytes from the front: a view when they lie in one chunk, else one copy. */
  #take(n: number): Buffer {
    this.#size -= n
    const first = this.#chunks[0]!
    const avail = first.length - this.#head
    if (n <= avail) {
      const view = first.subarray(this.#head, this.#head + n)
      this.#head += n
      if (this.#head === first.length) {
        this.#chunks.shift()
        this.#head = 0
      }
      return view
    }
    const out = Buffer.allocUnsafe(n)
    let w = 0
    let i = 0
    while (w < n) {
      const c = this.#chunks[i]!
      const k = Math.min(c.length - this.#head, n - w)
      c.copy(out, w, this.#head, this.#head + k)
      w += k
      this.#head += k
      if (this.#head === c.length) {
        i++
        this.#head = 0
      }
    }
    this.#chunks.splice(0, i)
    return out
  }
}
