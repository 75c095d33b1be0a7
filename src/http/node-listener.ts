/**
 * node:http request listeners behind rr: `serveHttp(fromNodeListener(app))` runs an Express app
 * (or any `(req, res) => ...` listener) unchanged.
 *
 * Each rr request becomes a real `http.IncomingMessage` (headers incl. Host, body, remote address,
 * `encrypted` for https) and a `ServerResponse` subclass whose bytes go straight into rr frames:
 * `res.end(body)` is one frame; `res.write()` streams STREAM frames, returning false until rr's pipe
 * drained (then 'drain'), so `stream.pipe(res)` has backpressure. When the client goes away (STOP)
 * `req` and `res` emit 'close', later writes are dropped and the response is finished for rr.
 * Header names and values are checked by node (CR/LF refused) before anything is sent.
 * `fromNodeListener` (node-handler.ts) loads this module, and node:http with it, on the first request.
 * @module
 */
import { EventEmitter } from 'node:events'
import { IncomingMessage, ServerResponse, type OutgoingHttpHeaders } from 'node:http'
import type { HeaderEntry, RequestContext } from './codec.js'
import type { HttpContext } from './context.js'
import { RrHttpContext } from './context.js'
import { recordEntries } from './headers.js'
import { nativeResponse } from './native.js'
import type { ResponseWriter } from './writer.js'
import { hostOf } from './request.js'
import { isNullBodyStatus } from './status.js'

/** A node:http request listener (`app` in Express, `app.callback()` in Koa). */
export type NodeListener = (req: IncomingMessage, res: ServerResponse) => unknown

/** Where the response goes: rr frames ({@link ResponseWriter}) or a WHATWG Response (`fetch()`). */
export type ResponseSink = Pick<ResponseWriter, 'head' | 'write' | 'end' | 'earlyHints' | 'onStop' | 'started' | 'ended'>

/** The minimum of a net.Socket that request/response code reads (address, TLS flag). */
class RequestSocket extends EventEmitter {
  readonly remoteAddress: string
  readonly remotePort = 0
  readonly remoteFamily: string
  readonly encrypted: true | undefined
  // on-finished (Express body parsers) treats a request on an unreadable socket as already read.
  readable = true
  writable = true
  destroyed = false
  readonly writableLength = 0
  readonly readableHighWaterMark = 16 * 1024
  constructor(remoteAddress: string, encrypted: boolean) {
    super()
    this.remoteAddress = remoteAddress
    this.remoteFamily = remoteAddress.includes(':') ? 'IPv6' : 'IPv4'
    if (encrypted) this.encrypted = true
  }
  /** Called once when something destroys the socket (set by the response). */
  onDestroy: (() => void) | undefined

  destroy(): this {
    if (!this.destroyed) {
      this.onDestroy?.()
      this.destroyed = true
      this.readable = false
      this.writable = false
      this.emit('close', false)
    }
    return this
  }
  setTimeout(): this {
    return this
  }
  setNoDelay(): this {
    return this
  }
  setKeepAlive(): this {
    return this
  }
  address(): { address: string; family: string; port: number } {
    return { address: '127.0.0.1', family: 'IPv4', port: 0 }
  }
  resume(): this {
    return this
  }
  pause(): this {
    return this
  }
}

type WriteCallback = (err?: Error | null) => void

function chunkBytes(chunk: unknown, encoding?: BufferEncoding): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, encoding ?? 'utf8')
  if (Buffer.isBuffer(chunk)) return chunk
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
  throw new TypeError(`res.write/res.end take a string, Buffer or Uint8Array, got ${typeof chunk}`)
}

/** A ServerResponse whose output is a {@link ResponseSink}. */
class SinkResponse extends ServerResponse {
  readonly #sink: ResponseSink
  readonly #done: (err?: unknown) => void
  #chain: Promise<void> = Promise.resolve()
  #pending = 0
  #needDrain = false
  #headSent = false
  #ended = false
  #gone = false

  constructor(req: IncomingMessage, sink: ResponseSink, done: (err?: unknown) => void) {
    super(req)
    this.#sink = sink
    this.#done = done
    this.sendDate = false
    sink.onStop(() => this.#clientGone())
    // Frameworks give up on a broken response by destroying the socket (finalhandler does when
    // headers were already sent): rr still needs the last frame.
    const socket = req.socket as unknown as RequestSocket | null
    if (socket) socket.onDestroy = () => void (this.#ended || this.end())
    // Express (and others) swap the prototype of `res` for their own, which inherits from
    // http.ServerResponse.prototype and would bypass these overrides: pin them on the instance.
    const own = this as unknown as Record<string, unknown>
    for (const name of OVERRIDES) own[name] = SinkResponse.prototype[name]
    Object.defineProperty(this, 'writableNeedDrain', { configurable: true, get: () => this.#needDrain })
  }

  override writeHead(statusCode: number, reason?: string | OutgoingHttpHeaders | unknown[], headers?: OutgoingHttpHeaders | unknown[]): this {
    if (this.#headSent) throw Object.assign(new Error('Cannot write headers after they are sent to the client'), { code: 'ERR_HTTP_HEADERS_SENT' })
    if (typeof reason === 'string') this.statusMessage = reason
    else headers = reason
    if (Array.isArray(headers)) {
      // [[name, value], ...] or the flat raw form [name, value, name, value, ...]
      if (headers.length > 0 && Array.isArray(headers[0])) for (const [k, v] of headers as [string, string][]) this.appendHeader(k, v)
      else for (let i = 0; i + 1 < headers.length; i += 2) this.appendHeader(String(headers[i]), String(headers[i + 1]))
    } else if (headers) {
      for (const k of Object.keys(headers)) {
        const v = headers[k]
        if (v !== undefined) this.setHeader(k, v)
      }
    }
    this.statusCode = statusCode
    this.#commitHead()
    return this
  }

  override flushHeaders(): void {
    this.#commitHead()
    this.#enqueue(() => this.#sink.write([]))
  }

  override writeEarlyHints(hints: Record<string, string | string[]>, cb?: () => void): void {
    const entries: HeaderEntry[] = recordEntries(hints)
    // Too late (headers already out) is a programming error, not a reason to crash the worker.
    void this.#sink.earlyHints(entries).then(
      () => cb?.(),
      (err: unknown) => process.stderr.write(`[pionia] res.writeEarlyHints ignored: ${(err as Error).message}\n`),
    )
  }

  override writeContinue(): void {}
  override writeProcessing(): void {}

  override write(chunk: unknown, encoding?: BufferEncoding | WriteCallback, cb?: WriteCallback): boolean {
    if (typeof encoding === 'function') {
      cb = encoding
      encoding = undefined
    }
    if (this.#ended) {
      const err = Object.assign(new Error('write after end'), { code: 'ERR_STREAM_WRITE_AFTER_END' })
      if (cb) process.nextTick(cb, err)
      return false
    }
    this.#commitHead()
    const buf = chunkBytes(chunk, encoding)
    if (buf.length === 0 || this.#gone) {
      if (cb) process.nextTick(cb)
      return !this.#gone
    }
    this.#enqueue(() => this.#sink.write(buf), cb)
    if (this.#pending > 1) this.#needDrain = true
    return !this.#needDrain
  }

  override end(chunk?: unknown, encoding?: BufferEncoding | (() => void), cb?: () => void): this {
    if (typeof chunk === 'function') {
      cb = chunk as () => void
      chunk = undefined
    } else if (typeof encoding === 'function') {
      cb = encoding
      encoding = undefined
    }
    if (this.#ended) {
      if (cb) process.nextTick(cb)
      return this
    }
    this.#commitHead()
    const buf = chunk === undefined || chunk === null ? undefined : chunkBytes(chunk, encoding as BufferEncoding | undefined)
    this.#ended = true
    this.finished = true
    this.#enqueue(() => this.#sink.end(buf), cb)
    void this.#chain.then(() => this.#finish())
    return this
  }

  override destroy(err?: Error): this {
    // No 'error' event: without a listener it would take the worker down with the request.
    if (err) process.stderr.write(`[pionia] response destroyed: ${err.stack ?? err.message}\n`)
    if (!this.#ended) this.end()
    return this
  }

  #commitHead(): void {
    if (this.#headSent) return
    // A bad status or header throws here, before anything counts as sent: the app's error handler
    // can still answer 500.
    this.#sink.head(this.statusCode, recordEntries(this.getHeaders()))
    this.#headSent = true
    // headersSent / setHeader-after-send errors come from OutgoingMessage's `_header`.
    ;(this as unknown as { _header: string })._header = `HTTP/1.1 ${this.statusCode}`
  }

  #enqueue(op: () => Promise<void>, cb?: WriteCallback): void {
    this.#pending++
    this.#chain = this.#chain.then(op).then(
      () => {
        this.#pending--
        cb?.()
        if (this.#pending === 0 && this.#needDrain) {
          this.#needDrain = false
          this.emit('drain')
        }
      },
      (err: unknown) => {
        this.#pending--
        cb?.(err as Error)
        this.#done(err)
      },
    )
  }

  #finish(): void {
    this.emit('finish')
    this.emit('close')
    this.req.socket?.destroy()
    this.#done()
  }

  #clientGone(): void {
    if (this.#gone) return
    this.#gone = true
    // Socket first: IncomingMessage's destroy then emits 'aborted' and 'close' right away.
    this.req.socket?.destroy()
    this.req.destroy()
    // rr waits for the last frame; the app may never call end() (an SSE loop that stops on 'close').
    if (!this.#ended) this.end()
  }
}

const OVERRIDES = ['writeHead', 'flushHeaders', 'writeEarlyHints', 'writeContinue', 'writeProcessing', 'write', 'end', 'destroy'] as const

/**
 * Node's header object from rr's map: lower-case names, repeated values joined with ", " (cookie
 * with "; ", set-cookie kept as an array), as node:http builds it; Host from the URL.
 */
function nodeHeaders(raw: RequestContext, host: string | undefined): { headers: Record<string, string | string[]>; rawHeaders: string[] } {
  const headers: Record<string, string | string[]> = {}
  const rawHeaders: string[] = []
  if (host) {
    headers.host = host
    rawHeaders.push('Host', host)
  }
  for (const name in raw.header) {
    const values = raw.header[name]!
    if (values.length === 0) continue
    const key = name.toLowerCase()
    for (const v of values) rawHeaders.push(name, v)
    if (key === 'set-cookie') headers[key] = [...values]
    else headers[key] = values.join(key === 'cookie' ? '; ' : ', ')
  }
  return { headers, rawHeaders }
}

/** Builds the IncomingMessage for one request. */
function incoming(raw: RequestContext, body: Buffer, host: string | undefined): IncomingMessage {
  const uri = raw.uri
  const https = uri.startsWith('https:')
  const req = new IncomingMessage(new RequestSocket(raw.remote_addr, https) as never)
  req.method = raw.method
  const start = uri.indexOf('/', uri.indexOf('://') + 3)
  req.url = start < 0 ? '/' : uri.slice(start)
  const version = raw.protocol.startsWith('HTTP/') ? raw.protocol.slice(5) : '1.1'
  req.httpVersion = version
  req.httpVersionMajor = Number(version[0]) || 1
  req.httpVersionMinor = Number(version[2]) || 0
  const h = nodeHeaders(raw, host)
  req.headers = h.headers
  req.rawHeaders = h.rawHeaders
  if (body.length > 0) req.push(body)
  req.push(null)
  req.complete = true
  return req
}

/** rr parsed the form away: serialise it again so body parsers (express.urlencoded, multer) see one. */
async function reencodeForm(ctx: RrHttpContext, raw: RequestContext): Promise<Buffer> {
  const type = raw.header['Content-Type']?.[0] ?? ''
  const form = await ctx.formData()
  let bytes: Buffer
  if (type.includes('multipart/form-data')) {
    const r = new (nativeResponse())(form)
    raw.header['Content-Type'] = [r.headers.get('content-type')!]
    bytes = Buffer.from(await r.arrayBuffer())
  } else {
    const params = new URLSearchParams()
    for (const [k, v] of form) if (typeof v === 'string') params.append(k, v)
    bytes = Buffer.from(params.toString())
  }
  raw.header['Content-Length'] = [String(bytes.length)]
  return bytes
}

/** Serves one rr request with a node listener; resolves when rr got the last frame. */
export async function serveNodePayload(
  listener: NodeListener,
  raw: RequestContext,
  body: Buffer,
  sink: ResponseSink,
  ctx: RrHttpContext = new RrHttpContext(raw, body, sink),
): Promise<void> {
  if (raw.parsed) body = await reencodeForm(ctx, raw)
  else if (body.length > 0 && !raw.header['Content-Length']) raw.header['Content-Length'] = [String(body.length)]
  // rr has read the whole body: body parsers must count bytes, not wait for chunked framing.
  delete raw.header['Transfer-Encoding']
  const req = incoming(raw, raw.method === 'HEAD' ? Buffer.alloc(0) : body, hostOf(raw.uri))
  ;(req as IncomingMessage & { rr?: HttpContext }).rr = ctx
  await new Promise<void>((resolve, reject) => {
    const res = new SinkResponse(req, sink, (err) => (err ? reject(err) : resolve()))
    const r = listener(req, res)
    if (r && typeof (r as Promise<unknown>).then === 'function') (r as Promise<unknown>).then(undefined, reject)
  })
}

/** Collects a response written to a sink into a WHATWG Response (the `fetch()` side of the adapter). */
class ResponseBuilder implements ResponseSink {
  #status = 0
  #headers: HeaderEntry[] = []
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined
  #resolve!: (r: Response) => void
  #sent = false
  #ended = false
  readonly response: Promise<Response>

  constructor() {
    this.response = new Promise((r) => (this.#resolve = r))
  }
  get started(): boolean {
    return this.#sent
  }
  get ended(): boolean {
    return this.#ended
  }
  head(status: number, headers: readonly HeaderEntry[]): void {
    this.#status = status
    this.#headers = [...headers]
  }
  async earlyHints(): Promise<void> {}
  onStop(): void {}
  #open(stream: boolean): void {
    if (this.#sent) return
    this.#sent = true
    const headers = new Headers()
    for (const [k, vs] of this.#headers) for (const v of typeof vs === 'string' ? [vs] : vs) headers.append(k, v)
    const body = stream ? new ReadableStream<Uint8Array>({ start: (c) => void (this.#controller = c) }) : null
    this.#resolve(new (nativeResponse())(isNullBodyStatus(this.#status) ? null : body, { status: this.#status || 200, headers }))
  }
  async write(chunk: Uint8Array | readonly Uint8Array[]): Promise<void> {
    this.#open(true)
    for (const c of chunk instanceof Uint8Array ? [chunk] : chunk) if (c.length) this.#controller?.enqueue(new Uint8Array(c))
  }
  async end(chunk?: Uint8Array | readonly Uint8Array[]): Promise<void> {
    this.#ended = true
    if (chunk && (chunk instanceof Uint8Array ? chunk.length : chunk.length)) await this.write(chunk)
    this.#open(false)
    this.#controller?.close()
  }
}

/** `fetch()` of a {@link fromNodeListener} handler: the listener answers a WHATWG Request. */
export async function fetchThroughListener(listener: NodeListener, request: Request): Promise<Response> {
  const raw: RequestContext = {
    remote_addr: '127.0.0.1',
    protocol: 'HTTP/1.1',
    method: request.method,
    uri: request.url,
    header: {},
    cookies: {},
    raw_query: new URL(request.url).search.slice(1),
    parsed: false,
    uploads: new Uint8Array(0),
    attributes: {},
  }
  for (const [k, v] of request.headers) if (k !== 'host') (raw.header[k] ??= []).push(v)
  const body = Buffer.from(await request.arrayBuffer())
  const sink = new ResponseBuilder()
  const done = serveNodePayload(listener, raw, body, sink, new RrHttpContext(raw, body))
  return Promise.race([sink.response, done.then(() => sink.response)])
}
