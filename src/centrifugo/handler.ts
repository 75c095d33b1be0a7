/**
 * Typed proxy handlers for RR_MODE=centrifuge workers: one function per Centrifugo proxy event,
 * each answering with a result, an error or a disconnect. Everything that can go wrong in a frame
 * or a handler becomes a reply or an error frame; the worker process never dies from it.
 * @module
 */
import { FLAG_CODEC_PROTO } from '../goridge/index.js'
import type { Payload, PayloadHandler, Worker } from '../worker/index.js'
import { CentrifugoFrameError, CentrifugoStreamingError, ProxyDisconnect, ProxyError } from './errors.js'
import type { ProxyDisconnectReply, ProxyErrorReply, ProxyEventMap, ProxyEventType, Reply } from './messages.js'
import { encodeMessage, proxyType } from './proto.js'
import { decodeProxyFrame, MESSAGE_NAMES, type Metadata, type ProxyFrame } from './request.js'
import { describe } from '../util/describe.js'

/** What a handler gets besides the request: the gRPC metadata and helpers. */
export interface ProxyContext<T extends ProxyEventType = ProxyEventType> {
  readonly type: T
  /** gRPC metadata from Centrifugo (lower-case keys): forwarded `http_headers`, `emulated_headers`, … */
  readonly metadata: Metadata
  /** The first value of a metadata key (case-insensitive), e.g. `ctx.header('authorization')`. */
  header(name: string): string | undefined
  /**
   * The request's `data` (or `b64data` with binary_encoding proxies) parsed as JSON; `undefined`
   * when the client sent none. Not JSON: throws {@link ProxyError} 107 bad request.
   */
  data<V = unknown>(): V | undefined
}

type Awaitable<T> = T | Promise<T>

/** A handler for one event type. Returning nothing sends an empty reply (see each handler). */
export type ProxyHandler<T extends ProxyEventType> = (
  request: ProxyEventMap[T]['request'],
  ctx: ProxyContext<T>,
) => Awaitable<Reply<ProxyEventMap[T]['result']> | void>

export interface CentrifugoHandlers {
  /** A client connects without a token. No reply (or no `result`) = no credentials: Centrifugo disconnects 3501. */
  onConnect?: ProxyHandler<'connect'>
  /** A connection with `expire_at` is about to expire. No result = expired. */
  onRefresh?: ProxyHandler<'refresh'>
  /** A client subscribes to a channel with `subscribe_proxy_enabled`. No reply = allowed. */
  onSubscribe?: ProxyHandler<'subscribe'>
  /** A client publishes to a channel with `publish_proxy_enabled`. No reply = published as sent. */
  onPublish?: ProxyHandler<'publish'>
  /** A client calls `rpc(method, data)`. `result.data` is what the client receives. */
  onRPC?: ProxyHandler<'rpc'>
  /** A subscription with `expire_at` is about to expire. No result = expired. */
  onSubRefresh?: ProxyHandler<'subrefresh'>
  /** Channel occupied/vacated events (Centrifugo PRO). */
  onNotifyChannelState?: ProxyHandler<'notifychannelstate'>
  /** Where handler failures are reported (default: one line on stderr, which rr logs). */
  onError?: (error: unknown, type: ProxyEventType) => void
}

const HANDLER_NAMES: Record<ProxyEventType, keyof CentrifugoHandlers> = {
  connect: 'onConnect',
  refresh: 'onRefresh',
  subscribe: 'onSubscribe',
  publish: 'onPublish',
  rpc: 'onRPC',
  subrefresh: 'onSubRefresh',
  notifychannelstate: 'onNotifyChannelState',
}

/** Builders for handler replies. */
export const reply = {
  /** Accept, with this result. */
  result: <R>(result: R): Reply<R> => ({ result }),
  /** Refuse with an error (codes >= 400 are yours; 100..399 are Centrifugo's). */
  error: (code: number, message: string, temporary = false): { error: ProxyErrorReply } => ({
    error: { code, message, temporary },
  }),
  /** Close the connection (4000..4499 reconnect, 4500..4999 stay closed). */
  disconnect: (code: number, reason: string): { disconnect: ProxyDisconnectReply } => ({ disconnect: { code, reason } }),
}

/** Centrifugo's code for an internal error; with `temporary` the client retries. */
const INTERNAL: ProxyErrorReply = { code: 100, message: 'internal server error', temporary: true }
/** Centrifugo's "not available": sent when the worker has no handler for an event. */
const NOT_AVAILABLE: ProxyErrorReply = { code: 108, message: 'not available', temporary: false }

function isStream(value: unknown): boolean {
  if (!value || typeof value !== 'object') return false
  return (
    Symbol.asyncIterator in value ||
    (Symbol.iterator in value && typeof (value as { next?: unknown }).next === 'function') ||
    typeof (value as { getReader?: unknown }).getReader === 'function' ||
    typeof (value as { pipe?: unknown }).pipe === 'function'
  )
}

/** Checks a handler's return value; throws a message that names the mistake. */
function checkReply(type: ProxyEventType, value: unknown): Reply<unknown> | undefined {
  if (value === undefined || value === null) return undefined
  if (isStream(value)) throw new CentrifugoStreamingError(HANDLER_NAMES[type])
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(
      `${HANDLER_NAMES[type]} returned ${Array.isArray(value) ? 'an array' : typeof value}; return { result: {...} }, { error: {code, message} } or { disconnect: {code, reason} } (or use reply.result/error/disconnect)`,
    )
  }
  const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined)
  const known = keys.filter((k) => k === 'result' || k === 'error' || k === 'disconnect')
  if (known.length !== 1 || keys.length !== 1) {
    throw new TypeError(
      `${HANDLER_NAMES[type]} returned an object with keys [${keys.join(', ')}]; a reply has exactly one of result, error, disconnect ` +
        `(wrap your result: return { result: { ... } })`,
    )
  }
  if (type === 'notifychannelstate' && known[0] === 'disconnect') {
    throw new TypeError('onNotifyChannelState cannot disconnect: NotifyChannelStateResponse has only result and error')
  }
  return value as Reply<unknown>
}

/** Encodes a reply as the `<Type>Response` protobuf. */
export function encodeReply(type: ProxyEventType, value: Reply<unknown> | undefined): Uint8Array {
  return encodeMessage(proxyType(MESSAGE_NAMES[type] + 'Response'), value ?? {})
}

function contextFor(frame: ProxyFrame): ProxyContext {
  const { type, metadata, request } = frame
  return {
    type,
    metadata,
    header(name) {
      return metadata[name.toLowerCase()]?.[0]
    },
    data<V>() {
      const r = request as { data?: Uint8Array; b64data?: string }
      const bytes = r.data && r.data.length ? Buffer.from(r.data) : r.b64data ? Buffer.from(r.b64data, 'base64') : undefined
      if (!bytes) return undefined
      try {
        return JSON.parse(bytes.toString('utf8')) as V
      } catch {
        throw new ProxyError(107, 'bad request: data is not JSON')
      }
    },
  }
}

/**
 * A payload handler for RR_MODE=centrifuge workers, from one typed handler per proxy event.
 * @example
 * import { serve } from 'pionia'
 * import { centrifugoHandler, reply } from 'pionia/centrifugo'
 * await serve({ modes: { centrifuge: centrifugoHandler({
 *   onConnect: (req, ctx) => ctx.data<{ token?: string }>()?.token === 'secret'
 *     ? reply.result({ user: '42' }) : reply.disconnect(4501, 'unauthorized'),
 *   onRPC: (req, ctx) => reply.result({ data: { echo: ctx.data() } }),
 * }) } })
 */
export function centrifugoHandler(handlers: CentrifugoHandlers): PayloadHandler {
  const report = handlers.onError ?? ((err: unknown, type: ProxyEventType) => {
    process.stderr.write(`[pionia] centrifugo ${type} handler failed: ${describe(err)}\n`)
  })
  const warned = new Set<ProxyEventType>()

  return async (payload: Payload, worker: Worker): Promise<void> => {
    let frame: ProxyFrame
    try {
      frame = decodeProxyFrame(payload)
    } catch (err) {
      // Not a reply rr can hand to Centrifugo: fail this call with a message rr logs.
      const message = err instanceof CentrifugoFrameError ? err.message : describe(err)
      process.stderr.write(`[pionia] centrifugo: ${message}\n`)
      await worker.error(message)
      return
    }
    const handler = handlers[HANDLER_NAMES[frame.type]] as ProxyHandler<ProxyEventType> | undefined
    let out: Reply<unknown> | undefined
    if (!handler) {
      if (!warned.has(frame.type)) {
        warned.add(frame.type)
        process.stderr.write(
          `[pionia] centrifugo: Centrifugo proxied a ${frame.type} event but this worker has no ${HANDLER_NAMES[frame.type]} handler; ` +
            `answering 108 "not available". Add ${HANDLER_NAMES[frame.type]} to centrifugoHandler({...}) or turn that proxy off in Centrifugo's config\n`,
        )
      }
      out = { error: NOT_AVAILABLE }
    } else {
      try {
        out = checkReply(frame.type, await handler(frame.request as never, contextFor(frame) as never))
      } catch (err) {
        out = failureReply(err)
        if (!(err instanceof ProxyError || err instanceof ProxyDisconnect)) report(err, frame.type)
      }
    }
    let body: Uint8Array
    try {
      body = encodeReply(frame.type, out)
    } catch (err) {
      report(err, frame.type)
      body = encodeReply(frame.type, { error: INTERNAL })
    }
    await worker.respond({ body, codec: FLAG_CODEC_PROTO })
  }
}

function failureReply(err: unknown): Reply<unknown> {
  if (err instanceof ProxyError) return { error: { code: err.code, message: err.message, temporary: err.temporary } }
  if (err instanceof ProxyDisconnect) return { disconnect: { code: err.code, reason: err.reason } }
  return { error: INTERNAL }
}
