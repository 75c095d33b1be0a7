/**
 * A lazy `Response` for HTTP worker processes.
 *
 * Node 20's `new Response('hello')` costs 10-20 µs, nearly all of it building a WHATWG
 * ReadableStream for the body, which an rr worker never needs for a string or a byte array: it
 * copies the bytes into a frame. {@link LightResponse} keeps `(body, init)` as given and builds the
 * real Response only when code asks for something only the real one has (`body`, `text()`,
 * `clone()`, ...). The response writer reads the kept body directly. `serveHttp` installs it as
 * `globalThis.Response` in the worker process (opt out with `serveHttp(h, { lightResponse: false })`).
 *
 * It behaves as a Response: `instanceof Response` holds for light and native responses alike,
 * status/headers/body methods work, headers can be changed after construction (middleware does).
 * What it cannot do: be handed to native code that checks undici's internal brand (passing a light
 * response into `caches.put` or a native `Response` constructor as *body source* works, as the
 * body getter materialises it).
 *
 * Node's own Response (undici) is not loaded for the light path: this module reads it on first
 * need (materialising, `instanceof` on an object that is not a light response, `error()`,
 * `redirect()`), so a worker answering `Response.json()` starts without it. `light-response.ts`
 * is the public module and also exports the native class.
 * @module
 */

import { forwardOnFirstMiss } from './delegate.js'
import { nativeResponse } from './native.js'
import { NULL_BODY_STATUS, nullBodyMessage } from './null-body.js'
import { plainRecordEntries } from './headers.js'
import type { HeaderEntry } from './codec.js'

const kBody = Symbol('pionia.body')
const kInit = Symbol('pionia.init')
const kHeaders = Symbol('pionia.headers')
const kReal = Symbol('pionia.real')
const kType = Symbol('pionia.type')
const kEntries = Symbol('pionia.entries')

/** What a light response holds until it is materialised. */
interface Kept {
  [kBody]: BodyInit | null | undefined;
  [kInit]: ResponseInit | undefined;
  [kHeaders]: Headers | undefined;
  [kReal]: Response | undefined
  /** The content type when no headers were given, if not the body's default (`Response.json`). */
  [kType]: string | undefined
  /**
   * Headers given as a plain record, kept as validated codec entries (content type included) until
   * `headers` is read; then they become the Headers (`kHeaders`) and this is cleared.
   */
  [kEntries]: readonly HeaderEntry[] | undefined
}

/** The Headers of a response whose headers were given or touched, built from kept entries on first need. */
function headersOf(r: Kept): Headers | undefined {
  const h = r[kHeaders]
  if (h) return h
  const e = r[kEntries]
  if (!e) return undefined
  const built = new Headers()
  for (let i = 0; i < e.length; i++) built.append(e[i]![0], e[i]![1] as string)
  r[kHeaders] = built
  r[kEntries] = undefined
  return built
}

/** Keeps `init` headers as entries when they are a plain record Headers takes as is, else builds the Headers. */
function keepHeaders(r: Kept, init: HeadersInit, type: string | undefined): void {
  const entries = plainRecordEntries(init, type)
  if (entries) {
    r[kEntries] = entries
    return
  }
  // Invalid header names/values throw here, in the handler, as they do with the native Response.
  const h = new Headers(init)
  if (type && !h.has('content-type')) h.set('content-type', type)
  r[kHeaders] = h
}

function real(r: Kept): Response {
  let x = r[kReal]
  if (!x) {
    const init = r[kInit]
    x = new (nativeResponse())(r[kBody] as BodyInit | null, {
      status: init?.status,
      statusText: init?.statusText,
      headers: headersOf(r) ?? init?.headers ?? (r[kType] ? { 'content-type': r[kType] } : undefined),
    })
    r[kReal] = x
    r[kBody] = undefined
  }
  return x
}

/** The content type the Fetch standard gives a body of this kind, if any. */
export function defaultContentType(body: unknown): string | undefined {
  if (typeof body === 'string') return 'text/plain;charset=UTF-8'
  if (body instanceof URLSearchParams) return 'application/x-www-form-urlencoded;charset=UTF-8'
  if (body instanceof Blob && body.type) return body.type
  return undefined
}

/** The body a light response still holds. */
export interface KeptBody {
  body: BodyInit | null
  status: number
  /** `undefined`: no headers were given or touched; only `entries` or `type` applies. */
  headers: Headers | undefined
  /** With `headers` undefined: the headers given as a plain record, validated, as codec entries. */
  entries?: readonly HeaderEntry[]
  /** With `headers` undefined: the content type `Response.json` set (else the body's default applies). */
  type: string | undefined
}

/**
 * The kept body, status and headers of a light response that was never materialised, or
 * `undefined` for any other response (read it through the standard API then).
 */
export function keptBody(r: Response): KeptBody | undefined {
  const k = r as unknown as Kept
  if (!(kBody in k) || k[kReal]) return undefined
  const body = k[kBody] ?? null
  const headers = k[kHeaders]
  const entries = headers ? undefined : k[kEntries]
  return { body, status: k[kInit]?.status ?? 200, headers, entries, type: headers || entries ? undefined : k[kType] }
}

/** True while `Response.json` runs the constructor: it keeps the headers itself, with its own content type. */
let constructingJson = false

/** A `Response` that builds the native one only when needed. See the module comment. */
export class LightResponse {
  // Fields, not assignments: they are defined on the instance without walking the prototype
  // chain, so building a light response never reaches the native side (see forwardOnFirstMiss).
  [kBody]: BodyInit | null | undefined = undefined;
  [kInit]: ResponseInit | undefined = undefined;
  [kHeaders]: Headers | undefined = undefined;
  [kReal]: Response | undefined = undefined;
  [kType]: string | undefined = undefined;
  [kEntries]: readonly HeaderEntry[] | undefined = undefined

  constructor(body?: BodyInit | null, init?: ResponseInit) {
    const status = init?.status
    if (status !== undefined && (!Number.isInteger(status) || status < 200 || status > 599)) {
      throw new RangeError(`Response status must be an integer from 200 to 599, got ${status}`)
    }
    if (body != null && status !== undefined && NULL_BODY_STATUS.has(status)) {
      throw new TypeError(nullBodyMessage(status))
    }
    this[kBody] = body
    this[kInit] = init
    if (init?.headers !== undefined && !constructingJson) keepHeaders(this, init.headers, defaultContentType(body))
  }

  get status(): number {
    return this[kReal]?.status ?? this[kInit]?.status ?? 200
  }

  get ok(): boolean {
    const s = this.status
    return s >= 200 && s <= 299
  }

  get statusText(): string {
    return this[kReal]?.statusText ?? this[kInit]?.statusText ?? ''
  }

  get headers(): Headers {
    const r = this[kReal]
    if (r) return r.headers
    let h = headersOf(this)
    if (!h) {
      h = new Headers()
      const type = this[kType] ?? defaultContentType(this[kBody])
      if (type) h.set('content-type', type)
      this[kHeaders] = h
    }
    return h
  }

  get bodyUsed(): boolean {
    return this[kReal]?.bodyUsed ?? false
  }

  static [Symbol.hasInstance](x: unknown): boolean {
    // A light response answers without loading the native class.
    if (typeof x !== 'object' || x === null) return false
    return kBody in x || x instanceof nativeResponse()
  }

  static error(): Response {
    return nativeResponse().error()
  }

  static json(data: unknown, init?: ResponseInit): Response {
    if (init?.headers === undefined) {
      // No headers to merge: no Headers object either (built on first read of `headers`).
      const r = new LightResponse(JSON.stringify(data), init)
      r[kType] = 'application/json'
      return r as unknown as Response
    }
    // Headers first (their errors come before the status check, as they always did), with JSON's
    // content type; the constructor then checks the status and leaves the headers alone.
    const kept = { [kHeaders]: undefined, [kEntries]: undefined } as Kept
    keepHeaders(kept, init.headers, 'application/json')
    const body = JSON.stringify(data)
    constructingJson = true
    let r: LightResponse
    try {
      r = new LightResponse(body, init)
    } finally {
      constructingJson = false
    }
    r[kHeaders] = kept[kHeaders]
    r[kEntries] = kept[kEntries]
    return r as unknown as Response
  }

  static redirect(url: string | URL, status?: number): Response {
    return nativeResponse().redirect(url, status)
  }
}

// Everything else on Response.prototype (body, text(), json(), clone(), type, url, ...) goes to
// the materialised native Response, wired up the first time such a member is looked up.
forwardOnFirstMiss<Kept>(
  LightResponse.prototype,
  () => {
    const N = nativeResponse()
    return { proto: N.prototype, sample: new N(null) }
  },
  real,
  'Response',
)

let installed = false

/**
 * Makes `globalThis.Response` the light one (idempotent). Worker processes only: it changes the
 * global for every module in the process.
 */
export function installLightResponse(): void {
  if (installed) return
  installed = true
  globalThis.Response = LightResponse as unknown as typeof Response
}

/** Puts the native Response back. */
export function uninstallLightResponse(): void {
  if (!installed) return
  installed = false
  globalThis.Response = nativeResponse()
}
