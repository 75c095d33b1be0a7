/**
 * The worker side of rr's protocol: PID handshake, payloads in, responses and errors out, streams
 * with STOP, the stop command. Control frames are answered here; callers only see work.
 * @module
 */
import {
  FLAG_CONTROL,
  FLAG_ERROR,
  HEADER_SIZE,
  STREAM_BIT_STREAM,
  decodeFrame,
  writeHeader1,
  type Frame,
} from '../goridge/index.js'
import { COPY_LIMIT, type Relay } from '../relay/relay.js'
import { createRelay } from '../relay/create-relay.js'
import { classify, requestPayload, type Payload } from './messages.js'
import { readEnvironment, type Environment } from './environment.js'
import { installStdoutGuard } from './stdout-guard.js'

/** What a worker sends back for one request (or one chunk of a stream). */
export interface Response {
  /** Context bytes (HTTP: protobuf `http.v1.Response`). */
  context?: Uint8Array
  /** Body bytes; several parts are sent back to back without joining them first. */
  body?: Uint8Array | readonly Uint8Array[]
  /** Byte 1 codec flag (HTTP needs exactly 0x80). Default 0. */
  codec?: number
  /** More frames of this response follow (sets the STREAM bit). */
  stream?: boolean
}

export interface WorkerOptions {
  /** The pid reported in the handshake; sockets need the real one (default `process.pid`). */
  pid?: number
  /** Where protocol warnings go (default stderr). */
  log?: (line: string) => void
}

/** Thrown by {@link Worker.create} when the process was not started by rr. */
export class NotUnderRoadRunnerError extends Error {
  override readonly name = 'NotUnderRoadRunnerError'
  readonly code = 'RR_ERR_NOT_UNDER_RR'
  constructor() {
    super(
      'This is a RoadRunner worker: it speaks the goridge protocol on stdin/stdout and cannot run on its own.\n' +
        '  Start the app server with:  npx pionia runserver   (or: ./rr serve -c .rr.yaml)\n' +
        '  One-process dev server:     npx pionia serve',
    )
  }
}

const STOP_CONTEXT = Buffer.from('{"stop":true}')
const EMPTY = Buffer.alloc(0)

/**
 * The worker loop's way in (see run.ts): `[kTake](ready)` returns the next payload, `null` once rr
 * stopped the worker or the relay closed, or `undefined` when none is queued; `ready` is then
 * called (once) as soon as there is one. No promise per request, unlike `waitPayload()`.
 */
export const kTake = Symbol('pionia.worker.take')

/**
 * @example
 * import { Worker } from 'pionia/worker'
 * const worker = await Worker.create()
 * for (let p; (p = await worker.waitPayload()); ) await worker.respond({ body: p.body })
 */
export class Worker {
  readonly relay: Relay
  readonly pid: number
  readonly #log: (line: string) => void
  readonly #queue: Payload[] = []
  #waiter: ((p: Payload | null) => void) | null = null
  #ready: (() => void) | null = null
  #stopped = false
  #closed = false
  #closeError: Error | undefined
  #streaming = false
  #streamStopped = false
  #streamStopListeners: Array<() => void> = []
  #stopListeners: Array<() => void> = []

  constructor(relay: Relay, options: WorkerOptions = {}) {
    this.relay = relay
    this.pid = options.pid ?? process.pid
    this.#log = options.log ?? ((line) => process.stderr.write(line.endsWith('\n') ? line : line + '\n'))
    relay.start({ frame: (f) => this.#onFrame(f), close: (err) => this.#onClose(err) })
  }

  /**
   * Connects to rr as the environment says (RR_RELAY) and installs the stdout guard on pipes.
   * Throws {@link NotUnderRoadRunnerError} when the process was started by hand.
   */
  static async create(options: WorkerOptions & { env?: Environment; guardStdout?: boolean } = {}): Promise<Worker> {
    const env = options.env ?? readEnvironment()
    if (!env.underRoadRunner || (env.relay === 'pipes' && process.stdin.isTTY)) throw new NotUnderRoadRunnerError()
    if (env.relay === 'pipes' && options.guardStdout !== false) installStdoutGuard()
    const relay = await createRelay(env.relay)
    return new Worker(relay, options)
  }

  /** Why the relay closed, if it closed with an error (a protocol or transport failure). */
  get closeError(): Error | undefined {
    return this.#closeError
  }

  /**
   * Waits for the next request. Resolves `null` when rr sent the stop command or the relay closed:
   * the worker should then finish and exit.
   */
  waitPayload(): Promise<Payload | null> {
    const next = this.#queue.shift()
    if (next) return Promise.resolve(next)
    if (this.#stopped || this.#closed) return Promise.resolve(null)
    return new Promise((resolve) => {
      this.#waiter = resolve
    })
  }

  /** See {@link kTake}. */
  [kTake](ready: () => void): Payload | null | undefined {
    const next = this.#queue.shift()
    if (next) return next
    if (this.#stopped || this.#closed) return null
    this.#ready = ready
    return undefined
  }

  /**
   * Sends a response frame: flags = codec, exactly one option = context length. With `stream`, the
   * STREAM bit says more frames follow; the last frame must be sent without it.
   */
  respond(response: Response): Promise<void> {
    const context = response.context ?? EMPTY
    const body = response.body ?? EMPTY
    const stream = response.stream === true
    this.#streaming = stream
    if (!stream) this.#resetStream()
    const flags = response.codec ?? 0
    const byte10 = stream ? STREAM_BIT_STREAM : 0
    let size = context.byteLength
    if (body instanceof Uint8Array) size += body.byteLength
    else for (let i = 0; i < body.length; i++) size += body[i]!.byteLength
    if (size <= COPY_LIMIT && this.relay.sendEncoded) {
      // One buffer, header and parts copied in: what relay.send does, without the arrays.
      const frame = Buffer.allocUnsafe(HEADER_SIZE + 4 + size)
      let at = writeHeader1(frame, 0, flags, context.byteLength, size, byte10)
      frame.set(context, at)
      at += context.byteLength
      if (body instanceof Uint8Array) frame.set(body, at)
      else
        for (let i = 0; i < body.length; i++) {
          frame.set(body[i]!, at)
          at += body[i]!.byteLength
        }
      return this.relay.sendEncoded(frame)
    }
    return this.relay.send({
      flags,
      options: [context.byteLength],
      byte10,
      payload: body instanceof Uint8Array ? [context, body] : [context, ...body],
    })
  }

  /**
   * Sends a response frame the caller encoded whole (header with one option, the context length;
   * context and body), with the same stream bookkeeping as {@link respond}: `stream` is true when
   * the frame has the STREAM bit (more frames follow). The HTTP writer's one-buffer path.
   */
  respondEncoded(frame: Buffer, stream: boolean): Promise<void> {
    this.#streaming = stream
    if (!stream) this.#resetStream()
    return this.relay.sendEncoded ? this.relay.sendEncoded(frame) : this.relay.send(decodeFrame(frame))
  }

  /** Ends a stream (after STOP or when done) with an empty final frame. */
  endStream(codec = 0): Promise<void> {
    return this.respond({ codec })
  }

  /**
   * Sends an error frame: rr logs the message, fails the request (HTTP 500, job nacked) and keeps
   * this worker. Ends any stream in progress.
   */
  error(message: string): Promise<void> {
    this.#resetStream()
    return this.relay.send({ flags: FLAG_ERROR, payload: Buffer.from(message, 'utf8') })
  }

  /**
   * Asks rr to replace this worker: rr re-runs the current request on another worker and sends this
   * one the stop command.
   */
  requestRestart(): Promise<void> {
    this.#resetStream()
    return this.relay.send({ flags: 0, options: [STOP_CONTEXT.length], payload: STOP_CONTEXT })
  }

  /** True once rr sent STOP for the stream in progress (the client went away). */
  get streamStopped(): boolean {
    return this.#streamStopped
  }

  /**
   * Calls `listener` once when rr sends the stop command or the relay closes (rr is gone), even
   * while a handler is still running.
   */
  onStop(listener: () => void): void {
    if (this.#stopped || this.#closed) listener()
    else this.#stopListeners.push(listener)
  }

  #notifyStop(): void {
    const ls = this.#stopListeners
    this.#stopListeners = []
    for (const l of ls) l()
  }

  /** Calls `listener` when rr stops the current stream. */
  onStreamStop(listener: () => void): () => void {
    if (this.#streamStopped) {
      listener()
      return () => {}
    }
    this.#streamStopListeners.push(listener)
    return () => {
      this.#streamStopListeners = this.#streamStopListeners.filter((l) => l !== listener)
    }
  }

  /** Closes the relay. */
  async close(): Promise<void> {
    await this.relay.close()
  }

  #resetStream(): void {
    this.#streaming = false
    this.#streamStopped = false
    if (this.#streamStopListeners.length > 0) this.#streamStopListeners = []
  }

  #onFrame(frame: Frame): void {
    if ((frame.flags & FLAG_CONTROL) === 0 && frame.byte10 === 0) {
      // A request, the usual frame: straight to the loop, no message object on the way.
      const payload = requestPayload(frame)
      if (payload) return this.#deliver(payload)
    }
    const m = classify(frame)
    switch (m.type) {
      case 'pid':
        void this.relay
          .send({ flags: FLAG_CONTROL, payload: Buffer.from(`{"pid":${this.pid}}`) })
          .catch((err: Error) => this.#log(`[pionia] could not answer rr's pid request: ${err.message}`))
        return
      case 'stop':
        this.#stopped = true
        this.#deliver(null)
        this.#notifyStop()
        return
      case 'stream-stop':
        // A STOP while idle is a stale race with a finished stream: ignore it.
        if (this.#streaming && !this.#streamStopped) {
          this.#streamStopped = true
          const ls = this.#streamStopListeners
          this.#streamStopListeners = []
          for (const l of ls) l()
        }
        return
      case 'pong':
        return
      case 'invalid':
        this.#log(`[pionia] ignoring an invalid frame from rr: ${m.reason}`)
        return
      case 'payload':
        this.#deliver(m.payload)
        return
    }
  }

  #deliver(p: Payload | null): void {
    const w = this.#waiter
    if (w) {
      this.#waiter = null
      w(p)
      return
    }
    if (p) this.#queue.push(p)
    const ready = this.#ready
    if (ready) {
      this.#ready = null
      ready()
    }
  }

  #onClose(err?: Error): void {
    this.#closed = true
    this.#closeError = err
    if (err) this.#log(`[pionia] worker relay closed: ${err.message}`)
    this.#deliver(null)
    this.#notifyStop()
  }
}
