/**
 * goridge RPC client for rr's `rpc.listen` endpoint. The only file that speaks goridge-RPC: typed
 * services in services/ call `client.call*` and never see frames (so a Connect-RPC transport for
 * rr v6 can replace this file without touching them).
 *
 * Request frame: flags = one codec, options = [seq, byte length of the method name],
 * payload = method name ‖ argument. The reply echoes both options; its payload starts with the
 * method name too. Go's net/rpc runs calls concurrently, so replies are matched by seq.
 * @module
 */
import { Buffer } from 'node:buffer'
import {
  FLAG_CODEC_JSON,
  FLAG_CODEC_MSGPACK,
  FLAG_CODEC_PROTO,
  FLAG_CODEC_RAW,
  FLAG_ERROR,
  type Frame,
} from '../goridge/index.js'
import type { Relay } from '../relay/relay.js'
import { SocketConnectError, createSocketRelay } from '../relay/socket-relay.js'
import { RpcConnectionError, RpcError, RpcServiceError, RpcTimeoutError } from './errors.js'
import type msgpackLite from 'msgpack-lite'
import { lazyRequire } from '../util/lazy-require.js'
import { rrRpcAddress } from '../config/rr-rpc.js'

const msgpack = lazyRequire<typeof msgpackLite>('msgpack-lite')

export interface RpcClientOptions {
  /** Default per-call timeout in ms (default 30 000). */
  timeoutMs?: number
  /** Connection attempts for each (re)connect (default 3). */
  connectAttempts?: number
}

export interface CallOptions {
  timeoutMs?: number
}

/** A raw reply: codec flags and the result bytes (method name stripped). */
export interface RpcReply {
  codec: number
  payload: Buffer
}

interface Pending {
  method: string
  resolve(reply: RpcReply): void
  reject(err: Error): void
  timer: NodeJS.Timeout | undefined
}


/**
 * @example
 * import { RpcClient } from 'pionia/rpc'
 * const rpc = new RpcClient(process.env.RR_RPC ?? 'tcp://127.0.0.1:6001')
 * const plugins = await rpc.callJson<string[]>('informer.List', true)
 */
export class RpcClient {
  readonly address: string
  readonly #timeoutMs: number
  readonly #attempts: number
  #relay: Relay | null = null
  #connecting: Promise<Relay> | null = null
  #seq = 0
  readonly #pending = new Map<number, Pending>()
  #closed = false

  constructor(address: string = rrRpcAddress(), options: RpcClientOptions = {}) {
    this.address = address
    this.#timeoutMs = options.timeoutMs ?? 30_000
    this.#attempts = options.connectAttempts ?? 3
  }

  /** Calls with a JSON argument and decodes a JSON result. */
  async callJson<T = unknown>(method: string, arg: unknown, options?: CallOptions): Promise<T> {
    const body = arg === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(arg))
    const reply = await this.call(method, body, FLAG_CODEC_JSON, options)
    if (reply.payload.length === 0) return undefined as T
    try {
      return JSON.parse(reply.payload.toString('utf8')) as T
    } catch (err) {
      throw new RpcError('RR_ERR_RPC_PROTOCOL', method, `rr answered ${method} with invalid JSON`, { cause: err })
    }
  }

  /** Calls with protobuf bytes (encode with your message type) and returns the result bytes. */
  async callProto(method: string, message: Uint8Array, options?: CallOptions): Promise<Buffer> {
    return (await this.call(method, message, FLAG_CODEC_PROTO, options)).payload
  }

  /** Calls with a msgpack-encoded argument and decodes a msgpack result. */
  async callMsgpack<T = unknown>(method: string, arg: unknown, options?: CallOptions): Promise<T> {
    const reply = await this.call(method, msgpack().encode(arg), FLAG_CODEC_MSGPACK, options)
    return (reply.payload.length ? msgpack().decode(reply.payload) : undefined) as T
  }

  /** Calls with raw bytes; rr fills only `*[]byte` arguments from a raw payload. */
  async callRaw(method: string, bytes: Uint8Array, options?: CallOptions): Promise<Buffer> {
    return (await this.call(method, bytes, FLAG_CODEC_RAW, options)).payload
  }

  /** Sends one call with an already encoded argument and codec flag. */
  async call(method: string, payload: Uint8Array, codec: number, options: CallOptions = {}): Promise<RpcReply> {
    if (this.#closed) throw new RpcConnectionError(method, this.address, 'the client was closed')
    const relay = await this.#connect(method)
    const seq = this.#nextSeq()
    const name = Buffer.from(method, 'utf8')
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs
    return new Promise<RpcReply>((resolve, reject) => {
      const p: Pending = { method, resolve, reject, timer: undefined }
      if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
        p.timer = setTimeout(() => {
          this.#pending.delete(seq)
          reject(new RpcTimeoutError(method, timeoutMs))
        }, timeoutMs)
      }
      this.#pending.set(seq, p)
      relay.send({ flags: codec, options: [seq, name.length], payload: [name, payload] }).catch((err: Error) => {
        this.#settle(seq)?.reject(new RpcConnectionError(method, this.address, err.message, err))
      })
    })
  }

  /** Closes the connection; pending calls fail. */
  async close(): Promise<void> {
    this.#closed = true
    const relay = this.#relay
    this.#relay = null
    this.#failAll('the client was closed')
    if (relay) await relay.close()
  }

  #nextSeq(): number {
    do {
      this.#seq = (this.#seq + 1) >>> 0
    } while (this.#seq === 0 || this.#pending.has(this.#seq))
    return this.#seq
  }

  #settle(seq: number): Pending | undefined {
    const p = this.#pending.get(seq)
    if (!p) return undefined
    this.#pending.delete(seq)
    clearTimeout(p.timer)
    return p
  }

  async #connect(method: string): Promise<Relay> {
    if (this.#relay) return this.#relay
    this.#connecting ??= (async () => {
      let relay: Relay
      try {
        relay = await createSocketRelay(this.address, { attempts: this.#attempts, delayMs: 50 })
      } catch (err) {
        const reason = err instanceof SocketConnectError ? `${err.reason} (${this.#attempts} attempts)` : (err as Error).message
        throw new RpcConnectionError(method, this.address, reason, err)
      }
      relay.start({
        frame: (f) => this.#onFrame(f),
        close: (err) => {
          if (this.#relay === relay) this.#relay = null
          this.#failAll(err ? err.message : 'rr closed the connection')
        },
      })
      this.#relay = relay
      return relay
    })().finally(() => {
      this.#connecting = null
    })
    return this.#connecting
  }

  #onFrame(frame: Frame): void {
    const [seq, nameLength] = frame.options
    if (seq === undefined || nameLength === undefined) return
    const p = this.#settle(seq)
    if (!p) return // timed out earlier: a late reply is dropped
    const body = frame.payload.subarray(Math.min(nameLength, frame.payload.length))
    if (frame.flags & FLAG_ERROR) p.reject(new RpcServiceError(p.method, body.toString('utf8')))
    else p.resolve({ codec: frame.flags, payload: body })
  }

  #failAll(reason: string): void {
    for (const [seq, p] of this.#pending) {
      this.#pending.delete(seq)
      clearTimeout(p.timer)
      p.reject(new RpcConnectionError(p.method, this.address, reason))
    }
  }
}
