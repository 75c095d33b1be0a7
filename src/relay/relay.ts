/**
 * The transport between rr and a worker: frames in, frames out. Every relay shares one decoder
 * ({@link FrameDecoder}) and one writer, so pipes, tcp and unix cannot drift apart.
 * @module
 */
import type { Readable, Writable } from 'node:stream'
import {
  FrameDecoder,
  encodeFrame,
  encodeHeader,
  type Frame,
  type FrameInit,
  type FrameDecoderOptions,
} from '../goridge/index.js'

/** Callbacks a relay delivers to. */
export interface RelayHandlers {
  /** Called for every complete incoming frame, in order. */
  frame(frame: Frame): void
  /** Called once when the relay closes; `error` is set for protocol or transport failures. */
  close(error?: Error): void
}

/** Moves goridge frames over a byte stream. */
export interface Relay {
  /** `pipes`, `tcp`, `unix` or `memory`. */
  readonly kind: string
  /** Starts reading; frames go to `handlers.frame`. */
  start(handlers: RelayHandlers): void
  /**
   * Queues one frame for writing. Resolves once the transport can take more (backpressure);
   * callers that send several frames in a row await it.
   */
  send(frame: FrameInit): Promise<void>
  /**
   * Queues one frame the caller encoded whole (header, options, payload), as {@link send} does
   * with the parts. Optional: the worker falls back to `send` for a relay without it.
   */
  sendEncoded?(frame: Uint8Array): Promise<void>
  /** Closes the transport. */
  close(): Promise<void>
}

/** Payloads up to this size are copied into one buffer with the header; larger ones are written as is. */
export const COPY_LIMIT = 64 * 1024

/**
 * What `send` and `sendEncoded` return when the transport took the frame at once: one shared,
 * resolved promise, none per frame. A caller may compare against it to skip waiting.
 */
export const SENT: Promise<void> = Promise.resolve()

export interface StreamRelayOptions extends FrameDecoderOptions {
  /**
   * The write function to use. The pipes relay passes stdout's original `write`, captured before
   * the stdout guard replaced it for user code.
   */
  write?: (chunk: Uint8Array, cb?: (err?: Error | null) => void) => boolean
}

/** A relay over a readable and a writable stream (stdin/stdout, or both sides of a socket). */
export class StreamRelay implements Relay {
  readonly kind: string
  readonly #input: Readable
  readonly #output: Writable
  readonly #write: (chunk: Uint8Array, cb?: (err?: Error | null) => void) => boolean
  readonly #decoder: FrameDecoder
  #handlers: RelayHandlers | null = null
  #closed = false
  #drain: Promise<void> | null = null

  constructor(kind: string, input: Readable, output: Writable, options: StreamRelayOptions = {}) {
    this.kind = kind
    this.#input = input
    this.#output = output
    this.#write = options.write ?? output.write.bind(output)
    this.#decoder = new FrameDecoder(options)
  }

  start(handlers: RelayHandlers): void {
    this.#handlers = handlers
    const frames: Frame[] = []
    this.#input.on('data', (chunk: Buffer) => {
      if (this.#closed) return
      try {
        this.#decoder.push(chunk, frames)
      } catch (err) {
        this.#finish(err as Error)
        return
      }
      for (let i = 0; i < frames.length; i++) handlers.frame(frames[i]!)
      frames.length = 0
    })
    this.#input.once('end', () => this.#finish())
    this.#input.once('close', () => this.#finish())
    this.#input.once('error', (err) => this.#finish(err))
    this.#output.once('error', (err) => this.#finish(err))
  }

  send(frame: FrameInit): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`the ${this.kind} relay is closed`))
    const payload = frame.payload
    let size = 0
    if (payload instanceof Uint8Array) size = payload.byteLength
    else if (payload) for (const p of payload) size += p.byteLength
    if (size <= COPY_LIMIT) return this.#sent(this.#write(encodeFrame(frame)))
    // Large payload: header and payload parts as separate writes under cork, never concatenated.
    const out = this.#output
    out.cork()
    let ok = this.#write(encodeHeader(frame.flags ?? 0, frame.options ?? [], size, frame.byte10 ?? 0))
    for (const p of payload instanceof Uint8Array ? [payload] : payload!) if (p.byteLength) ok = this.#write(p)
    process.nextTick(() => out.uncork())
    return this.#sent(ok)
  }

  sendEncoded(frame: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`the ${this.kind} relay is closed`))
    return this.#sent(this.#write(frame))
  }

  /** Resolved at once when the write was taken (`ok`), else when the output drains. */
  #sent(ok: boolean): Promise<void> {
    if (ok) return SENT
    this.#drain ??= new Promise<void>((resolve) => {
      const done = (): void => {
        this.#output.off('drain', done)
        this.#output.off('close', done)
        this.#drain = null
        resolve()
      }
      this.#output.on('drain', done)
      this.#output.on('close', done)
    })
    return this.#drain
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#finish()
    await new Promise<void>((resolve) => {
      if (this.#output.writableFinished || this.#output.destroyed) return resolve()
      this.#output.end(() => resolve())
    })
    this.#input.destroy()
  }

  #finish(error?: Error): void {
    if (this.#closed) return
    this.#closed = true
    this.#handlers?.close(error)
  }
}
