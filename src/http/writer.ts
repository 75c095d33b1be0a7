/**
 * One HTTP response as rr frames. A response that is complete when it is written goes out as one
 * frame (context + body, no STREAM bit); a response written in pieces goes out as STREAM frames
 * (status and headers in the first, body chunks after, an empty final frame), each send waiting
 * for the pipe to drain. When the client goes away rr sends STOP: writes become no-ops, `stopped`
 * turns true, `onStop` listeners run, and `end()` sends the final frame rr waits for.
 * @module
 */
import { FLAG_CODEC_PROTO } from '../goridge/index.js'
import { COPY_LIMIT, SENT } from '../relay/relay.js'
import type { Worker } from '../worker/index.js'
import { encodeResponseContext, encodeResponseFrame, type HeaderEntry } from './codec.js'
import { NULL_BODY_STATUS } from './status.js'

const EMPTY = Buffer.alloc(0)

function byteLength(body: Uint8Array | readonly Uint8Array[]): number {
  if (body instanceof Uint8Array) return body.byteLength
  let n = 0
  for (const b of body) n += b.byteLength
  return n
}

/** True when the headers already fix the framing (a length, an encoding, or trailers, which need chunked). */
function hasLength(headers: readonly HeaderEntry[]): boolean {
  for (const [name] of headers) {
    if (name.length === 14 || name.length === 17 || name.length === 7) {
      const l = name.toLowerCase()
      if (l === 'content-length' || l === 'transfer-encoding' || l === 'trailer') return true
    }
  }
  return false
}

export class ResponseWriter {
  readonly #worker: Worker
  readonly #headOnly: boolean
  /** Status and headers not sent yet (encoded when the first frame goes out). */
  #headers: readonly HeaderEntry[] | null = null
  #status = 0
  #streaming = false
  #ended = false
  #stopListeners: Array<() => void> | null = null
  #unsubscribe: (() => void) | null = null
  #stopped = false

  /** `method` decides whether a body may be sent (never for HEAD). */
  constructor(worker: Worker, method: string) {
    this.#worker = worker
    this.#headOnly = method === 'HEAD'
  }

  /** True once rr said the client went away. */
  get stopped(): boolean {
    return this.#stopped
  }

  /** True once status and headers were handed over (sent or held for the first body bytes). */
  get headWritten(): boolean {
    return this.#status !== 0
  }

  /** True once a response frame (other than early hints) went out: the status can no longer change. */
  get started(): boolean {
    return this.#status !== 0 && this.#headers === null
  }

  /** True once `end()` ran. */
  get ended(): boolean {
    return this.#ended
  }

  /** False for HEAD requests and 204/205/304 responses: body bytes are dropped. */
  get bodyAllowed(): boolean {
    return !this.#headOnly && !NULL_BODY_STATUS.has(this.#status)
  }

  /** Calls `listener` when rr stops the stream (the client went away). */
  onStop(listener: () => void): void {
    if (this.#stopped) listener()
    else (this.#stopListeners ??= []).push(listener)
  }

  /**
   * Sends a 103 Early Hints response ahead of the real one (a STREAM frame with an empty body).
   * rr 2025.1 keeps these headers in the final response too.
   */
  async earlyHints(headers: readonly HeaderEntry[]): Promise<void> {
    if (this.#status !== 0) throw new Error('early hints must come before the response status and headers')
    await this.#send(encodeResponseContext(103, headers), EMPTY, true)
  }

  /**
   * Sets status and headers; they go out with the first body bytes or with `end()`. Until then a
   * second call replaces them (an error page instead of a response that failed to produce its body).
   */
  head(status: number, headers: readonly HeaderEntry[]): void {
    if (this.started || this.#ended) throw new Error('the response status and headers were already sent')
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new RangeError(`response status must be an integer from 200 to 599, got ${status}`)
    }
    this.#status = status
    this.#headers = headers
  }

  /** The pending status and headers as a context (once), or nothing when they were sent. */
  #takeContext(bodyLength: number): Uint8Array {
    let h = this.#headers
    if (h === null) return EMPTY
    this.#headers = null
    // A response complete in one frame gets a Content-Length unless it has one: Go then sends it
    // as is instead of chunked (rr flushes after every frame). gzip middleware drops it when it
    // compresses.
    if (bodyLength > 0 && !hasLength(h)) h = [...h, ['content-length', String(bodyLength)]]
    return encodeResponseContext(this.#status, h)
  }

  /**
   * Sends body bytes now as a STREAM frame (with status and headers if they were not sent yet).
   * Resolves when rr's pipe can take more. After STOP it does nothing.
   */
  async write(chunk: Uint8Array | readonly Uint8Array[]): Promise<void> {
    if (this.#ended) throw new Error('write after end of the response')
    if (this.#status === 0) this.head(200, [])
    if (this.#stopped) return
    const body = this.bodyAllowed ? chunk : EMPTY
    if (this.#headers === null && byteLength(body) === 0) return
    await this.#send(this.#takeContext(0), body, true)
  }

  /**
   * Sends the last frame (body bytes if any; a string goes out as UTF-8). Always sends it, also
   * after STOP: rr waits for it.
   */
  end(chunk: Uint8Array | readonly Uint8Array[] | string = EMPTY): Promise<void> {
    if (this.#ended) return SENT
    try {
      this.#ended = true
      if (this.#status === 0) this.head(200, [])
      const body = this.bodyAllowed && !this.#stopped ? chunk : EMPTY
      this.#unsubscribe?.()
      const n = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : byteLength(body)
      if (n + 4096 <= COPY_LIMIT) {
        // Header, context and body in one buffer, one write (the usual small response).
        const h = this.#headers
        this.#headers = null
        const frame =
          h === null
            ? encodeResponseFrame(0, null, false, body, n, 0)
            : encodeResponseFrame(this.#status, h, n > 0 && !hasLength(h), body, n, 0)
        return this.#worker.respondEncoded(frame, false)
      }
      const context = this.#takeContext(n)
      return this.#send(context, typeof body === 'string' ? Buffer.from(body, 'utf8') : body, false)
    } catch (err) {
      return Promise.reject(err)
    }
  }

  #send(context: Uint8Array, body: Uint8Array | readonly Uint8Array[], stream: boolean): Promise<void> {
    const sent = this.#worker.respond({ codec: FLAG_CODEC_PROTO, context, body, stream })
    this.#watchStop(stream)
    return sent
  }

  /** Listens for rr's STOP once the response is streamed. */
  #watchStop(stream: boolean): void {
    if (stream && !this.#streaming) {
      this.#streaming = true
      this.#unsubscribe = this.#worker.onStreamStop(() => {
        this.#stopped = true
        const ls = this.#stopListeners ?? []
        this.#stopListeners = null
        for (const l of ls) {
          try {
            l()
          } catch (err) {
            // runs inside rr's frame handler: a failing listener must not break the relay
            process.stderr.write(`[pionia] a client-gone listener failed: ${(err as Error).stack ?? String(err)}\n`)
          }
        }
      })
    }
  }
}
