/**
 * HTTP workers: rr's http.v1 payloads as WHATWG Request/Response, for any `fetch(request, ctx)`
 * handler (Hono, a Moonlight app, a plain object) and, through {@link fromNodeListener}, for
 * node:http request listeners (Express).
 * @module
 */
import { runWorker, type RunOptions, type Worker, type Payload } from '../worker/index.js'
import { answerProbe } from '../worker/probe.js'
import { decodeRequestContext, HttpCodecError, type RequestContext } from './codec.js'
import { FLAG_CODEC_PROTO } from '../goridge/index.js'
import { RrHttpContext, type HttpContext } from './context.js'
import { createRequest } from './request.js'
import { sendResponse } from './respond.js'
import { ResponseWriter } from './writer.js'
import { installLightResponse } from './lazy-response.js'
import { kNodeListener, nodeAdapter } from './node-handler.js'
import type { NodeListener } from './node-listener.js'
import { describe } from '../util/describe.js'
import { INTERNAL_ERROR } from './status.js'
import { nullBodyMessage, nullBodyStatusOf } from './null-body.js'
import { warnOnce } from './warn.js'
import { hostless, withListenHost } from './listen-host.js'

export { decodeRequestContext, encodeResponseContext, encodeRequestContext, decodeResponseContext, HttpCodecError } from './codec.js'
export type { RequestContext, HeaderMap, HeaderEntry } from './codec.js'
export type { HttpContext } from './context.js'
export type { FormTree } from './form.js'
export { parseQuery, MAX_QUERY_VARS, MAX_QUERY_DEPTH } from './query.js'
export type { UploadTree, Upload, FailedUpload } from './uploads.js'
export { UPLOAD_ERRORS } from './uploads.js'
export { HttpHeaderError, assertHeader } from './headers.js'
export { LightResponse, installLightResponse, uninstallLightResponse } from './lazy-response.js'
export { fromNodeListener } from './node-handler.js'
export type { NodeListener } from './node-listener.js'
export { createRequest, headerOf } from './request.js'
export { sendResponse } from './respond.js'
export { ResponseWriter } from './writer.js'

/** A web-standard handler, the shape Hono, Bun and Deno use. */
export interface FetchHandler {
  fetch(request: Request, context: HttpContext): Response | Promise<Response>
}

export interface ServeHttpOptions extends RunOptions {
  /**
   * Install the lazy `Response` as `globalThis.Response` in this worker process (default true):
   * `new Response('text')` then costs well under a microsecond instead of 10-20 µs. See
   * `LightResponse`.
   */
  lightResponse?: boolean
}

const INTERNAL_ERROR_BODY = Buffer.from(INTERNAL_ERROR.text)

function logFailure(raw: RequestContext, what: string, err: unknown): void {
  process.stderr.write(`[pionia] ${raw.method} ${raw.uri} ${what}: ${describe(err)}\n`)
}

/** Answers 500 if nothing was sent yet, otherwise ends what was started. */
async function fail(writer: ResponseWriter): Promise<void> {
  if (writer.ended) return
  if (!writer.started) {
    writer.head(INTERNAL_ERROR.status, [['content-type', INTERNAL_ERROR.contentType]])
    await writer.end(INTERNAL_ERROR_BODY)
  } else await writer.end()
}

/**
 * Decodes the request context. When it cannot be read, answers rr with an error frame (rr: 500)
 * and returns that send's promise instead (no promise on the usual path).
 */
function readRequest(payload: Payload, worker: Worker): RequestContext | Promise<void> {
  try {
    if (payload.codec !== FLAG_CODEC_PROTO) {
      throw new HttpCodecError(
        `HTTP request frame with codec 0x${payload.codec.toString(16)}, expected 0x80 (protobuf): this SDK speaks rr >= 2024.1 HTTP payloads; upgrade rr (npx pionia rr:setup)`,
      )
    }
    return decodeRequestContext(payload.context)
  } catch (err) {
    // rr answers the request with http.internal_error_code and logs the message; the worker stays.
    process.stderr.write(`[pionia] could not read an HTTP request from rr: ${describe(err)}\n`)
    return worker.error(err instanceof Error ? err.message : String(err))
  }
}

type Serve = (payload: Payload, worker: Worker) => Promise<void>

function fetchServer(handler: FetchHandler): Serve {
  return async (payload, worker) => {
    const raw = readRequest(payload, worker)
    if (raw instanceof Promise) return raw
    if (hostless(raw.uri)) raw.uri = await withListenHost(raw.uri)
    const writer = new ResponseWriter(worker, raw.method)
    const ctx = new RrHttpContext(raw, payload.body, writer)
    let response: Response
    try {
      const r = handler.fetch(createRequest(raw, payload.body, ctx), ctx)
      // A handler that answers synchronously skips a microtask hop.
      response = r != null && typeof (r as { then?: unknown }).then === 'function' ? await r : (r as Response)
      if (!(response instanceof Response)) {
        throw new TypeError(
          `the fetch handler returned ${response === undefined ? 'undefined' : Object.prototype.toString.call(response)} instead of a Response: return new Response(...) on every path`,
        )
      }
    } catch (err) {
      logFailure(raw, 'failed', err)
      const status = nullBodyStatusOf(err)
      if (status !== undefined) void warnOnce(`[pionia] ${nullBodyMessage(status)}`)
      return fail(writer)
    }
    try {
      await sendResponse(writer, response)
    } catch (err) {
      logFailure(raw, 'failed while sending the response', err)
      await fail(writer)
    }
  }
}

function nodeServer(listener: NodeListener): Serve {
  let adapter: Awaited<ReturnType<typeof nodeAdapter>> | undefined
  return async (payload, worker) => {
    const raw = readRequest(payload, worker)
    if (raw instanceof Promise) return raw
    if (hostless(raw.uri)) raw.uri = await withListenHost(raw.uri)
    adapter ??= await nodeAdapter()
    const writer = new ResponseWriter(worker, raw.method)
    try {
      await adapter.serveNodePayload(listener, raw, payload.body, writer)
    } catch (err) {
      logFailure(raw, 'failed', err)
      await fail(writer)
    }
  }
}

/** Picks the path for a handler once: WHATWG objects, or the node:http adapter's direct path. */
function serverFor(handler: FetchHandler): Serve {
  const node = (handler as Partial<Record<typeof kNodeListener, NodeListener>>)[kNodeListener]
  return node ? nodeServer(node) : fetchServer(handler)
}

const servers = new WeakMap<FetchHandler, Serve>()

/**
 * Handles one HTTP payload with `handler`: decode, call, send. A handler that throws (or returns
 * something that is not a Response) yields a 500 and one stderr line (rr logs it); the worker
 * keeps serving. A request context that cannot be read gets an error frame (rr answers 500).
 */
export function handleHttpPayload(handler: FetchHandler, payload: Payload, worker: Worker): Promise<void> {
  let serve = servers.get(handler)
  if (!serve) servers.set(handler, (serve = serverFor(handler)))
  return serve(payload, worker)
}

/**
 * Serves `handler` as an rr HTTP worker until rr stops it.
 * @example
 * import { serveHttp } from 'pionia/http'
 * await serveHttp({ fetch: () => new Response('hello') })
 */
export function serveHttp(handler: FetchHandler, options: ServeHttpOptions = {}): Promise<void> {
  answerProbe(['http'])
  if (options.lightResponse !== false) installLightResponse()
  return runWorker(serverFor(handler), options)
}
