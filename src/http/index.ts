/**
 * HTTP workers: rr's http.v1 payloads as WHATWG Request/Response.
 * (First cut: buffered bodies. Streaming, uploads and the node:http adapter build on this.)
 * @module
 */
import { FLAG_CODEC_PROTO } from '../goridge/index.js'
import { runWorker, type RunOptions, type Worker, type Payload } from '../worker/index.js'
import { decodeRequestContext, encodeResponseContext, type RequestContext } from './codec.js'

export { decodeRequestContext, encodeResponseContext, encodeRequestContext, decodeResponseContext } from './codec.js'
export type { RequestContext, HeaderMap } from './codec.js'

/** Per-request information that has no place on a WHATWG Request. */
export interface HttpContext {
  /** Client IP (no port), as rr saw it. */
  remoteAddr: string
  /** `HTTP/1.1`, `HTTP/2.0`. */
  protocol: string
  /** rr's decoded request context. */
  raw: RequestContext
}

/** A web-standard handler, the shape Hono, Bun and Deno use. */
export interface FetchHandler {
  fetch(request: Request, context: HttpContext): Response | Promise<Response>
}

const NO_BODY = new Set(['GET', 'HEAD'])

/** Builds a WHATWG Request from rr's payload. */
export function toRequest(ctx: RequestContext, body: Buffer): Request {
  const headers = new Headers()
  for (const [name, hv] of Object.entries(ctx.header)) {
    for (const v of hv.value ?? []) headers.append(name, Buffer.from(v).toString('latin1'))
  }
  const init: RequestInit & { duplex?: 'half' } = { method: ctx.method, headers }
  if (!NO_BODY.has(ctx.method) && body.length > 0) init.body = body as unknown as Uint8Array<ArrayBuffer>
  return new Request(ctx.uri, init)
}

/** Turns a Response into rr's response frame. */
export async function sendResponse(worker: Worker, response: Response): Promise<void> {
  const headers: [string, string][] = []
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers.push([name, value])
  })
  for (const c of response.headers.getSetCookie()) headers.push(['set-cookie', c])
  const body = response.body ? Buffer.from(await response.arrayBuffer()) : Buffer.alloc(0)
  await worker.respond({ codec: FLAG_CODEC_PROTO, context: encodeResponseContext(response.status, headers), body })
}

/** Handles one HTTP payload with `handler`; a throwing handler yields a 500 and a stderr line. */
export async function handleHttpPayload(handler: FetchHandler, payload: Payload, worker: Worker): Promise<void> {
  const ctx = decodeRequestContext(payload.context)
  let response: Response
  try {
    response = await handler.fetch(toRequest(ctx, payload.body), { remoteAddr: ctx.remote_addr, protocol: ctx.protocol, raw: ctx })
  } catch (err) {
    process.stderr.write(`[pionia] ${ctx.method} ${ctx.uri} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    response = new Response('Internal Server Error', { status: 500, headers: { 'content-type': 'text/plain' } })
  }
  await sendResponse(worker, response)
}

/**
 * Serves `handler` as an rr HTTP worker until rr stops it.
 * @example
 * import { serveHttp } from 'pionia/http'
 * await serveHttp({ fetch: () => new Response('hello') })
 */
export function serveHttp(handler: FetchHandler, options: RunOptions = {}): Promise<void> {
  return runWorker((payload, worker) => handleHttpPayload(handler, payload, worker), options)
}
