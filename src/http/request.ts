/**
 * The WHATWG `Request` a handler receives, built lazily from rr's request context.
 *
 * `method` and `url` come straight from the context; `headers` (every value of every header, Host
 * restored from the URL) is built on first use; the body methods read the frame's bytes directly
 * (rr has already read the whole body, bounded by `http.max_request_size`), and `body` is a
 * ReadableStream over those bytes in 64 KiB views, never a second copy. `clone()` is another lazy
 * Request over the same bytes (both copies stay readable, forms rr parsed included). Everything
 * else on `Request.prototype` (`cache`, ...) goes to a native Request built on demand, which takes
 * the unread body with it. `instanceof Request` holds. `formData()` works for raw bodies and for
 * forms rr parsed.
 * @module
 */
import { cookiesOf, type HeaderMap, type RequestContext } from './codec.js'
import { forwardOnFirstMiss } from './delegate.js'
import { nativeRequest } from './native.js'
import { NO_BODY_METHODS } from './status.js'

/** Size of the views the `body` stream hands out. */
export const BODY_CHUNK = 64 * 1024

/** The signal of a request that has no client-gone link (built on first read). */
let never: AbortSignal | undefined
const decoder = new TextDecoder()

const kCtx = Symbol('pionia.ctx')
const kBytes = Symbol('pionia.bytes')
const kHeaders = Symbol('pionia.headers')
const kReal = Symbol('pionia.real')
const kUsed = Symbol('pionia.used')
const kStream = Symbol('pionia.stream')
const kLinks = Symbol('pionia.links')
const kHanded = Symbol('pionia.handed')

/**
 * What the request takes from its context, lazily: the client-gone signal, and `formData()` for a
 * form rr parsed (the body is then rr's JSON tree, not the form).
 */
export interface RequestLinks {
  readonly signal: AbortSignal
  formData(): Promise<FormData>
}

interface State {
  [kCtx]: RequestContext;
  [kBytes]: Buffer | null;
  [kHeaders]: Headers | undefined;
  [kReal]: Request | undefined;
  [kUsed]: boolean;
  [kStream]: ReadableStream<Uint8Array> | null | undefined;
  [kLinks]: RequestLinks | undefined
  /** The body went to the native Request (`kReal`): its body methods answer from then on. */
  [kHanded]: boolean
}

let warnedHeader = false

/** The host[:port] of an absolute URL (rr moves the Host header into the URL). */
export function hostOf(uri: string): string | undefined {
  const start = uri.indexOf('://') + 3
  if (start < 3) return undefined
  let end = uri.indexOf('/', start)
  if (end < 0) end = uri.length
  const q = uri.indexOf('?', start)
  if (q >= 0 && q < end) end = q
  return end > start ? uri.slice(start, end) : undefined
}

/** Builds the request headers from rr's map, adding Host from the URL. */
export function buildHeaders(ctx: RequestContext): Headers {
  const h = new Headers()
  const host = hostOf(ctx.uri)
  if (host) h.set('host', host)
  const map = ctx.header
  for (const name in map) {
    for (const v of map[name]!) {
      try {
        h.append(name, v)
      } catch (err) {
        if (!warnedHeader) {
          warnedHeader = true
          process.stderr.write(`[pionia] dropped a request header the Fetch API refuses (${name}): ${(err as Error).message}\n`)
        }
      }
    }
  }
  return h
}

// RFC 9110 token characters: what Headers accepts as a name.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// What Headers refuses in a value once trimmed: NUL, CR, LF, and anything above latin1.
const BAD_VALUE = /[\0\r\n\u0100-\uffff]/

/** 0x09, 0x0A, 0x0D, 0x20: what Headers trims from both ends of a value. */
function httpSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d
}

/** The value as Headers stores it (trimmed of HTTP whitespace), or undefined when Headers refuses it. */
function headerValue(v: string): string | undefined {
  let start = 0
  let end = v.length
  while (start < end && httpSpace(v.charCodeAt(start))) start++
  while (end > start && httpSpace(v.charCodeAt(end - 1))) end--
  if (start !== 0 || end !== v.length) v = v.slice(start, end)
  return BAD_VALUE.test(v) ? undefined : v
}

/**
 * `request.headers.get(name)` without building the Headers for a Request from rr (see the module
 * comment): reads rr's decoded header map directly, with the same result: names match
 * case-insensitively, the values of every spelling are joined in order with `, ` (`; ` for
 * Cookie), each trimmed of HTTP whitespace, Host comes from the URL, null when absent. Any other
 * Request, one whose `headers` were already read (they may have been changed), an invalid name
 * (Headers.get throws) or a value Headers would drop all take `request.headers.get(name)`.
 */
export function headerOf(request: Request, name: string): string | null {
  const r = request as unknown as Partial<State>
  const ctx = r[kCtx]
  if (ctx === undefined || r[kHeaders] !== undefined || !TOKEN.test(name)) return request.headers.get(name)
  const lower = name.toLowerCase()
  const sep = lower === 'cookie' ? '; ' : ', '
  let out: string | null = null
  if (lower === 'host') {
    const host = hostOf(ctx.uri)
    if (host) {
      const v = headerValue(host)
      if (v === undefined) return request.headers.get(name)
      out = v
    }
  }
  // A context decoded from rr's bytes decodes only the entries of this name.
  const named = (ctx as { headersNamed?: (lower: string) => HeaderMap | null }).headersNamed
  const map = named !== undefined ? named.call(ctx, lower) : ctx.header
  for (const key in map) {
    if (key.length !== lower.length || key.toLowerCase() !== lower) continue
    if (!TOKEN.test(key)) return request.headers.get(name)
    for (const raw of map[key]!) {
      const v = headerValue(raw)
      if (v === undefined) return request.headers.get(name)
      out = out === null ? v : out + sep + v
    }
  }
  return out
}

function consume(r: State): Buffer {
  if (r[kUsed] || r[kStream]?.locked) {
    throw new TypeError('Body is unusable: the request body has already been read')
  }
  r[kUsed] = true
  return r[kBytes] ?? Buffer.alloc(0)
}

function real(r: State): Request {
  let x = r[kReal]
  if (!x) {
    const ctx = r[kCtx]
    const bytes = r[kBytes]
    const init: RequestInit & { duplex?: 'half' } = {
      method: ctx.method,
      headers: (r as unknown as Request).headers,
      signal: (r as unknown as Request).signal,
    }
    if (bytes && bytes.length > 0 && !r[kUsed] && !r[kStream]?.locked) {
      init.body = r[kStream] ?? (bytes as Uint8Array<ArrayBuffer>)
      init.duplex = 'half'
      r[kHanded] = true
    }
    x = new (nativeRequest())(ctx.uri, init)
    r[kReal] = x
  }
  return x
}

/** See the module comment. Create with {@link createRequest}. */
class RrRequest {
  // Defined as fields (not assigned), so they never walk the prototype chain to the native side.
  [kCtx]: RequestContext;
  [kBytes]: Buffer | null;
  [kHeaders]: Headers | undefined = undefined;
  [kReal]: Request | undefined = undefined;
  [kUsed] = false;
  [kStream]: ReadableStream<Uint8Array> | null | undefined = undefined;
  [kLinks]: RequestLinks | undefined;
  [kHanded] = false

  constructor(ctx: RequestContext, body: Buffer | null, links: RequestLinks | undefined) {
    this[kCtx] = ctx
    this[kBytes] = body
    this[kLinks] = links
  }

  get method(): string {
    return this[kCtx].method
  }

  get url(): string {
    return this[kCtx].uri
  }

  get headers(): Headers {
    return (this[kHeaders] ??= buildHeaders(this[kCtx]))
  }

  get signal(): AbortSignal {
    return this[kLinks]?.signal ?? (never ??= new AbortController().signal)
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this[kHanded]) return this[kReal]!.body
    if (this[kStream] !== undefined) return this[kStream]
    const bytes = this[kBytes]
    if (!bytes || bytes.length === 0 || this[kUsed]) return (this[kStream] = null)
    let at = 0
    const state = this as State
    this[kStream] = new ReadableStream<Uint8Array>({
      pull(controller) {
        state[kUsed] = true // disturbed: the bytes now belong to whoever reads the stream
        const end = Math.min(at + BODY_CHUNK, bytes.length)
        controller.enqueue(bytes.subarray(at, end))
        at = end
        if (at >= bytes.length) controller.close()
      },
    })
    return this[kStream]
  }

  get bodyUsed(): boolean {
    return this[kHanded] ? this[kReal]!.bodyUsed : this[kUsed]
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    if (this[kHanded]) return this[kReal]!.arrayBuffer()
    const b = consume(this)
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer
  }

  async bytes(): Promise<Uint8Array> {
    return new Uint8Array(await this.arrayBuffer())
  }

  async text(): Promise<string> {
    if (this[kHanded]) return this[kReal]!.text()
    return decoder.decode(consume(this))
  }

  async json(): Promise<unknown> {
    if (this[kHanded]) return this[kReal]!.json()
    return JSON.parse(decoder.decode(consume(this)))
  }

  async blob(): Promise<Blob> {
    if (this[kHanded]) return this[kReal]!.blob()
    const b = consume(this)
    return new Blob([b as Uint8Array<ArrayBuffer>], { type: this.headers.get('content-type') ?? '' })
  }

  async formData(): Promise<FormData> {
    const links = this[kLinks]
    if (links && this[kCtx].parsed) {
      // The body is rr's JSON tree, not the form: mark it read, build the form from the tree.
      if (this[kHanded]) await this[kReal]!.arrayBuffer()
      else consume(this)
      return links.formData()
    }
    return real(this).formData()
  }

  clone(): Request {
    const native = this[kHanded] ? this[kReal]!.body : this[kStream]
    if (this.bodyUsed || native?.locked) {
      throw new TypeError('Body is unusable: clone() was called after the request body was read; clone the request before reading it')
    }
    const c = createRequest(this[kCtx], this[kBytes], this[kLinks]) as unknown as State
    const headers = this[kHeaders]
    if (headers) c[kHeaders] = new Headers(headers)
    return c as unknown as Request
  }
}

// Node's Request (undici) is loaded, and the rest of Request.prototype wired up, the first time a
// member this class does not have is looked up.
forwardOnFirstMiss<State>(
  RrRequest.prototype,
  () => {
    const N = nativeRequest()
    return { proto: N.prototype, sample: new N('http://localhost/') }
  },
  real,
  'Request',
)

/**
 * The Request for one rr request. `links` (the HttpContext) supplies the client-gone signal and
 * `formData()` for forms rr parsed. GET and HEAD have no body.
 */
export function createRequest(ctx: RequestContext, body: Buffer | null, links?: RequestLinks): Request {
  return new RrRequest(ctx, NO_BODY_METHODS.has(ctx.method) ? null : body, links) as unknown as Request
}

/**
 * True when rr parsed this request's form itself (urlencoded or multipart with `http.raw_body: false`):
 * the body bytes are then rr's JSON tree, not the form. False for any other Request.
 */
export function parsedByRr(request: Request): boolean {
  return (request as unknown as Partial<State>)[kCtx]?.parsed === true
}

/**
 * The body bytes of an unread rr request, taken as `arrayBuffer()` takes them (the body counts as
 * read afterwards) but without a copy and without building a stream; null when it has no body;
 * undefined for any other Request, or one whose body was already turned into a stream.
 */
export function takeRrBody(request: Request): Buffer | null | undefined {
  const r = request as unknown as Partial<State>
  if (!r[kCtx] || r[kHanded] || r[kStream] !== undefined) return undefined
  const bytes = r[kBytes]
  if (!bytes || bytes.length === 0) return null
  return consume(r as State)
}

/**
 * The cookies rr decoded for this request (name → [value]; rr URL-unescaped each value the way
 * PHP's `$_COOKIE` is, and dropped a cookie whose value does not unescape), null when it sent none
 * (nothing is allocated then), undefined for any other Request. The Cookie header stays on
 * `request.headers` as the client sent it.
 */
export function rrCookies(request: Request): HeaderMap | null | undefined {
  const ctx = (request as unknown as Partial<State>)[kCtx]
  return ctx === undefined ? undefined : cookiesOf(ctx)
}
