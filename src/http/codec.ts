/**
 * rr's `http.v1` protobuf messages (schema of record: `proto/http/v1/http.proto`), hand-written.
 *
 * The messages are tiny and fixed, so a direct reader/writer beats protobufjs reflection by a wide
 * margin on the per-request path (bench/http/codec.ts measures both). Header values are decoded as
 * latin1 (HTTP field values are byte strings; rr sends them as proto `bytes`), cookies and
 * attributes as UTF-8 (rr URL-unescapes cookie values, which may be UTF-8 text).
 * Unknown fields are skipped, so a newer rr that adds fields does not break the decoder. The three
 * maps are located during the scan and decoded when first read (a corrupt map fails then).
 * @module
 */
import { FLAG_CODEC_PROTO, HEADER_SIZE, writeHeader1 } from '../goridge/index.js'

/** Multi-valued map as rr sends it: canonical name (`Content-Type`) → values. */
export type HeaderMap = Record<string, string[]>

/** The decoded `http.v1.Request` context. */
export interface RequestContext {
  /** Client IP without the port. */
  remote_addr: string
  /** `HTTP/1.1`, `HTTP/2.0`. */
  protocol: string
  method: string
  /** Absolute URL (scheme + Host + path?query). */
  uri: string
  /** All request headers except Host, canonical names, every value kept. */
  header: HeaderMap
  /** One entry per cookie, value URL-unescaped by rr. */
  cookies: HeaderMap
  raw_query: string
  /** The body is rr's JSON form tree (urlencoded or multipart form parsed by rr). */
  parsed: boolean
  /** JSON tree of uploaded files (parsed multipart only), empty otherwise. */
  uploads: Uint8Array
  /** Values set by rr middleware. */
  attributes: HeaderMap
}

/** A malformed `http.v1` message. */
export class HttpCodecError extends Error {
  override readonly name = 'HttpCodecError'
  readonly code = 'RR_ERR_HTTP_CODEC'
}

const EMPTY = new Uint8Array(0)

function fail(what: string): never {
  throw new HttpCodecError(
    `malformed http.v1 message from rr: ${what}. The request frame is corrupt or rr speaks a codec this SDK does not know (it needs rr >= 2024.1, protobuf contexts)`,
  )
}

/**
 * Reads a varint at `r.p`. Values above 2^53 lose precision, which is fine for lengths, tags and
 * status codes (the only varints in http.v1).
 */
function varint(b: Uint8Array, r: Cursor): number {
  let p = r.p
  let x = b[p++]!
  if (x < 0x80) {
    r.p = p
    return x
  }
  let v = x & 0x7f
  let mul = 0x80
  for (let i = 1; i < 10; i++) {
    if (p >= b.length) fail('truncated varint')
    x = b[p++]!
    v += (x & 0x7f) * mul
    mul *= 0x80
    if (x < 0x80) {
      r.p = p
      return v
    }
  }
  fail('varint longer than 10 bytes')
}

interface Cursor {
  p: number
}

interface NativeSlice {
  latin1Slice(start: number, end: number): string
  utf8Slice(start: number, end: number): string
}

const asBuffer = (b: Uint8Array): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength))

function latin1(b: Buffer, start: number, end: number): string {
  return (b as unknown as NativeSlice).latin1Slice(start, end)
}

function utf8(b: Buffer, start: number, end: number): string {
  return (b as unknown as NativeSlice).utf8Slice(start, end)
}

function lengthAt(b: Uint8Array, r: Cursor): number {
  const n = varint(b, r)
  if (r.p + n > b.length) fail(`field length ${n} runs past the end of the message`)
  return n
}

/** A length that must also stay inside the enclosing field ending at `end`. */
function within(b: Uint8Array, r: Cursor, end: number): number {
  const n = lengthAt(b, r)
  if (r.p + n > end) fail(`field length ${n} runs past its enclosing field`)
  return n
}

function skip(b: Uint8Array, r: Cursor, wire: number): void {
  switch (wire) {
    case 0:
      varint(b, r)
      return
    case 1:
      r.p += 8
      break
    case 2: {
      const n = lengthAt(b, r) // advances r.p past the length: read it before adding
      r.p += n
      return
    }
    case 5:
      r.p += 4
      break
    default:
      fail(`unsupported wire type ${wire}`)
  }
  if (r.p > b.length) fail('truncated fixed-width field')
}

/** Reads one `map<string, HeaderValue>` entry ending at `end` and adds it to `map`. */
function mapEntry(b: Buffer, r: Cursor, end: number, map: HeaderMap, text: typeof latin1): void {
  let key = ''
  const values: string[] = []
  while (r.p < end) {
    const tag = varint(b, r)
    if (tag === 0x0a) {
      const n = within(b, r, end)
      key = text(b, r.p, r.p + n)
      r.p += n
    } else if (tag === 0x12) {
      const n = within(b, r, end) // advances r.p: read it before adding
      const vend = r.p + n
      while (r.p < vend) {
        const t = varint(b, r)
        if (t === 0x0a) {
          const m = within(b, r, vend)
          values.push(text(b, r.p, r.p + m))
          r.p += m
        } else skip(b, r, t & 7)
      }
    } else skip(b, r, tag & 7)
  }
  const prev = map[key]
  // Own keys only: a cookie or header named `constructor` or `__proto__` is a name like any other.
  if (prev !== undefined && Object.hasOwn(map, key)) prev.push(...values)
  else if (key === '__proto__') Object.defineProperty(map, key, { value: values, enumerable: true, writable: true, configurable: true })
  else map[key] = values
}

/**
 * Walks one map entry as {@link mapEntry} does (same bounds checks, same errors) without decoding
 * it: true when its key is `lower` in any ASCII case (`lower` is an ASCII token, lower-cased).
 */
function entryNamed(b: Buffer, r: Cursor, end: number, lower: string): boolean {
  let named = false
  while (r.p < end) {
    const tag = varint(b, r)
    if (tag === 0x0a) {
      const n = within(b, r, end)
      named = n === lower.length
      for (let i = 0; named && i < n; i++) {
        const c = b[r.p + i]!
        named = (c >= 0x41 && c <= 0x5a ? c + 0x20 : c) === lower.charCodeAt(i)
      }
      r.p += n
    } else if (tag === 0x12) {
      const n = within(b, r, end)
      const vend = r.p + n
      while (r.p < vend) {
        const t = varint(b, r)
        if (t === 0x0a) {
          const m = within(b, r, vend) // advances r.p: read it before adding
          r.p += m
        } else skip(b, r, t & 7)
      }
    } else skip(b, r, tag & 7)
  }
  return named
}

/** The header entries named `lower` in any case, decoded alone, as `readMap` would merge them (null: none). */
function namedEntries(b: Buffer, ranges: number[] | null, lower: string): HeaderMap | null {
  if (ranges === null) return null
  let map: HeaderMap | null = null
  const r: Cursor = { p: 0 }
  for (let i = 0; i < ranges.length; i += 2) {
    r.p = ranges[i]!
    if (!entryNamed(b, r, ranges[i + 1]!, lower)) continue
    r.p = ranges[i]!
    mapEntry(b, r, ranges[i + 1]!, (map ??= {}), latin1)
  }
  return map
}

function readMap(b: Buffer, ranges: number[] | null, text: typeof latin1): HeaderMap {
  const map: HeaderMap = {}
  if (ranges === null) return map
  const r: Cursor = { p: 0 }
  for (let i = 0; i < ranges.length; i += 2) {
    r.p = ranges[i]!
    mapEntry(b, r, ranges[i + 1]!, map, text)
  }
  return map
}

/**
 * A decoded request context. The three maps (header, cookies, attributes) are located during the
 * scan and decoded on first read: a handler that never looks at them (a router matching on the
 * URL) never pays for them.
 */
class DecodedRequest implements RequestContext {
  remote_addr = ''
  protocol = ''
  method = ''
  uri = ''
  raw_query = ''
  parsed = false
  uploads: Uint8Array = EMPTY
  readonly #b: Buffer
  #headerAt: number[] | null = null
  #cookiesAt: number[] | null = null
  #attributesAt: number[] | null = null
  #header: HeaderMap | undefined
  #cookies: HeaderMap | undefined
  #attributes: HeaderMap | undefined

  constructor(b: Buffer) {
    this.#b = b
  }

  /** Records where one entry of map field `tag` lies. */
  located(tag: number, start: number, end: number): void {
    if (tag === 0x2a) (this.#headerAt ??= []).push(start, end)
    else if (tag === 0x32) (this.#cookiesAt ??= []).push(start, end)
    else (this.#attributesAt ??= []).push(start, end)
  }

  get header(): HeaderMap {
    return (this.#header ??= readMap(this.#b, this.#headerAt, latin1))
  }

  /**
   * The part of {@link header} whose names are `lower` in any case (`lower`: a lower-case ASCII
   * token), null when there is none. Before `header` is read, only those entries are decoded: one
   * header looked up (`headerOf`) costs no decoding of the others. Malformed input throws as `header` does.
   */
  headersNamed(lower: string): HeaderMap | null {
    const all = this.#header
    if (all === undefined) return namedEntries(this.#b, this.#headerAt, lower)
    let map: HeaderMap | null = null
    for (const key in all) {
      if (key.length !== lower.length || key.toLowerCase() !== lower) continue
      map ??= {}
      if (key === '__proto__') Object.defineProperty(map, key, { value: all[key], enumerable: true, writable: true, configurable: true })
      else map[key] = all[key]!
    }
    return map
  }
  set header(v: HeaderMap) {
    this.#header = v
  }
  get cookies(): HeaderMap {
    return (this.#cookies ??= readMap(this.#b, this.#cookiesAt, utf8))
  }
  set cookies(v: HeaderMap) {
    this.#cookies = v
  }
  /** The cookies, or null when rr sent none (then nothing is allocated). */
  cookiesIfAny(): HeaderMap | null {
    return this.#cookies ?? (this.#cookiesAt === null ? null : this.cookies)
  }
  get attributes(): HeaderMap {
    return (this.#attributes ??= readMap(this.#b, this.#attributesAt, utf8))
  }
  set attributes(v: HeaderMap) {
    this.#attributes = v
  }

  /** A plain copy (what `JSON.stringify` and test equality see). */
  toJSON(): RequestContext {
    const { remote_addr, protocol, method, uri, header, cookies, raw_query, parsed, uploads, attributes } = this
    return { remote_addr, protocol, method, uri, header, cookies, raw_query, parsed, uploads, attributes }
  }
}

/**
 * The cookies rr decoded for a request (name → [value], rr URL-unescaped the value), or null when
 * the request has none; allocates nothing in that case.
 */
export function cookiesOf(ctx: RequestContext): HeaderMap | null {
  if (ctx instanceof DecodedRequest) return ctx.cookiesIfAny()
  const c = ctx.cookies
  for (const _ in c) return c
  return null
}

/** Decodes the context of an HTTP request frame (`http.v1.Request`). */
export function decodeRequestContext(bytes: Uint8Array): RequestContext {
  const b = asBuffer(bytes)
  const ctx = new DecodedRequest(b)
  const r: Cursor = { p: 0 }
  const len = b.length
  while (r.p < len) {
    const tag = varint(b, r)
    switch (tag) {
      case 0x0a: // 1 remote_addr
      case 0x12: // 2 protocol
      case 0x1a: // 3 method
      case 0x3a: {
        // 7 raw_query
        const n = lengthAt(b, r)
        const s = latin1(b, r.p, r.p + n)
        r.p += n
        if (tag === 0x0a) ctx.remote_addr = s
        else if (tag === 0x12) ctx.protocol = s
        else if (tag === 0x1a) ctx.method = s
        else ctx.raw_query = s
        break
      }
      case 0x22: {
        // 4 uri: rr escapes it, but decode as UTF-8 to keep any raw non-ASCII bytes intact
        const n = lengthAt(b, r)
        // HTTP/1.0 without Host, or an empty Host: rr sends "http:///path" (listen-host.ts fills it in).
        ctx.uri = utf8(b, r.p, r.p + n)
        r.p += n
        break
      }
      case 0x2a: // 5 header
      case 0x32: // 6 cookies
      case 0x52: {
        // 10 attributes: located now, decoded when read
        const n = lengthAt(b, r)
        ctx.located(tag, r.p, r.p + n)
        r.p += n
        break
      }
      case 0x40: // 8 parsed
        ctx.parsed = varint(b, r) !== 0
        break
      case 0x4a: {
        // 9 uploads
        const n = lengthAt(b, r)
        ctx.uploads = b.subarray(r.p, r.p + n)
        r.p += n
        break
      }
      default:
        skip(b, r, tag & 7)
    }
  }
  return ctx
}

// ---- encoding -------------------------------------------------------------------------------

function varintSize(v: number): number {
  let n = 1
  while (v >= 0x80) {
    v = Math.floor(v / 0x80)
    n++
  }
  return n
}

function putVarint(out: Uint8Array, p: number, v: number): number {
  while (v >= 0x80) {
    out[p++] = (v & 0x7f) | 0x80
    v = Math.floor(v / 0x80)
  }
  out[p++] = v
  return p
}

/** One header to encode: name and its values. Strings are written as latin1 (one byte per char). */
export type HeaderEntry = readonly [name: string, values: string | readonly string[]]

/** Node's native single-encoding writers (present on every Buffer; skip `write()`'s argument parsing). */
interface NativeWrite {
  latin1Write(s: string, offset: number): number
  utf8Write(s: string, offset: number): number
}

function putString(out: Buffer, p: number, s: string, latin: boolean): number {
  // A short latin1 string (a header name or value) is cheaper copied here than through a native call.
  if (latin && s.length <= 32) {
    for (let i = 0; i < s.length; i++) out[p + i] = s.charCodeAt(i)
    return p + s.length
  }
  const w = out as unknown as NativeWrite
  return p + (latin ? w.latin1Write(s, p) : w.utf8Write(s, p))
}

function strSize(s: string, latin: boolean): number {
  return latin ? s.length : Buffer.byteLength(s, 'utf8')
}

/** Encodes a `map<string, HeaderValue>` field (`tag`) from entries. Names repeat-merge is the caller's job. */
function mapSize(entries: readonly HeaderEntry[], latin: boolean, sizes: number[]): number {
  let total = 0
  for (let i = 0; i < entries.length; i++) {
    const [name, vs] = entries[i]!
    let hv = 0
    if (typeof vs === 'string') {
      const l = strSize(vs, latin)
      hv = 1 + varintSize(l) + l
    } else {
      for (const v of vs) {
        const l = strSize(v, latin)
        hv += 1 + varintSize(l) + l
      }
    }
    const kl = strSize(name, latin)
    const entry = 1 + varintSize(kl) + kl + 1 + varintSize(hv) + hv
    sizes.push(hv, entry)
    total += 1 + varintSize(entry) + entry
  }
  return total
}

function putMap(out: Buffer, p: number, tag: number, entries: readonly HeaderEntry[], latin: boolean, sizes: number[], si: number): number {
  for (let i = 0; i < entries.length; i++) {
    const [name, vs] = entries[i]!
    const hv = sizes[si++]!
    const entry = sizes[si++]!
    out[p++] = tag
    p = putVarint(out, p, entry)
    out[p++] = 0x0a
    p = putVarint(out, p, strSize(name, latin))
    p = putString(out, p, name, latin)
    out[p++] = 0x12
    p = putVarint(out, p, hv)
    if (typeof vs === 'string') {
      out[p++] = 0x0a
      p = putVarint(out, p, strSize(vs, latin))
      p = putString(out, p, vs, latin)
    } else {
      for (const v of vs) {
        out[p++] = 0x0a
        p = putVarint(out, p, strSize(v, latin))
        p = putString(out, p, v, latin)
      }
    }
  }
  return p
}

/** The encoded `headers` map field of each entry list made by {@link sealEntries}. */
const sealedMaps = new WeakMap<readonly HeaderEntry[], Buffer>()

/**
 * An entry list that can no longer change (deep-frozen), with its `headers` map field encoded once:
 * a response with these headers copies the bytes instead of encoding every name and value again.
 * For headers many responses share (Moonlight's envelope type and CORS set, `Response.json`'s type).
 * Values must already be valid (see `assertHeader`).
 */
export function sealEntries(entries: readonly HeaderEntry[]): readonly HeaderEntry[] {
  if (sealedMaps.has(entries)) return entries
  const copy = Object.freeze(entries.map(([n, v]) => Object.freeze([n, typeof v === 'string' ? v : Object.freeze([...v])] as const)))
  const sizes: number[] = []
  const block = Buffer.allocUnsafeSlow(mapSize(copy, true, sizes))
  putMap(block, 0, 0x12, copy, true, sizes, 0)
  sealedMaps.set(copy, block)
  return copy
}

/**
 * Encodes an `http.v1.Response` context: status and headers. Each entry is one header name with
 * one or more values (several `Set-Cookie` values go in one entry). Values must already be valid
 * (see `assertHeader`); this function only writes bytes.
 */
export function encodeResponseContext(status: number, headers: Iterable<HeaderEntry>): Buffer {
  const entries = Array.isArray(headers) ? (headers as HeaderEntry[]) : [...headers]
  const sizes: number[] = []
  const size = 1 + varintSize(status) + mapSize(entries, true, sizes)
  const out = Buffer.allocUnsafe(size)
  out[0] = 0x08
  let p = putVarint(out, 1, status)
  p = putMap(out, p, 0x12, entries, true, sizes, 0)
  return out
}

const CONTENT_LENGTH = 'content-length'

/**
 * One whole response frame in one buffer: the goridge header (codec 0x80, one option = context
 * length, `byte10`), the `http.v1.Response` context (`status`, `headers`, plus `content-length:
 * bodyBytes` when `contentLength`) and the body, written in place (a string as UTF-8). `headers`
 * null: no context (a later frame of a stream). `bodyBytes` is the body's byte length. Values must
 * already be valid (see `assertHeader`).
 */
export function encodeResponseFrame(
  status: number,
  headers: readonly HeaderEntry[] | null,
  contentLength: boolean,
  body: string | Uint8Array | readonly Uint8Array[],
  bodyBytes: number,
  byte10: number,
): Buffer {
  let context = 0
  let sizes: number[] | undefined
  let length = ''
  let lengthHv = 0
  let lengthEntry = 0
  let sealed: Buffer | undefined
  if (headers !== null) {
    sealed = sealedMaps.get(headers)
    if (sealed === undefined) {
      sizes = []
      context = 1 + varintSize(status) + mapSize(headers, true, sizes)
    } else context = 1 + varintSize(status) + sealed.length
    if (contentLength) {
      length = String(bodyBytes)
      lengthHv = 1 + varintSize(length.length) + length.length
      lengthEntry = 2 + CONTENT_LENGTH.length + 1 + varintSize(lengthHv) + lengthHv
      context += 1 + varintSize(lengthEntry) + lengthEntry
    }
  }
  const payload = context + bodyBytes
  const out = Buffer.allocUnsafe(HEADER_SIZE + 4 + payload)
  let p = writeHeader1(out, 0, FLAG_CODEC_PROTO, context, payload, byte10)
  if (headers !== null) {
    out[p++] = 0x08
    p = putVarint(out, p, status)
    if (sealed === undefined) p = putMap(out, p, 0x12, headers, true, sizes!, 0)
    else {
      out.set(sealed, p)
      p += sealed.length
    }
    if (contentLength) {
      out[p++] = 0x12
      p = putVarint(out, p, lengthEntry)
      out[p++] = 0x0a
      out[p++] = CONTENT_LENGTH.length
      p = putString(out, p, CONTENT_LENGTH, true)
      out[p++] = 0x12
      p = putVarint(out, p, lengthHv)
      out[p++] = 0x0a
      out[p++] = length.length
      p = putString(out, p, length, true)
    }
  }
  if (typeof body === 'string') (out as unknown as NativeWrite).utf8Write(body, p)
  else if (body instanceof Uint8Array) out.set(body, p)
  else
    for (let i = 0; i < body.length; i++) {
      out.set(body[i]!, p)
      p += body[i]!.byteLength
    }
  return out
}

/** Decodes an `http.v1.Response` (tests and tools that play rr's side). */
export function decodeResponseContext(bytes: Uint8Array): { status: number; headers: HeaderMap } {
  const b = asBuffer(bytes)
  const res = { status: 0, headers: {} as HeaderMap }
  const r: Cursor = { p: 0 }
  while (r.p < b.length) {
    const tag = varint(b, r)
    if (tag === 0x08) res.status = varint(b, r)
    else if (tag === 0x12) {
      const n = lengthAt(b, r)
      const end = r.p + n
      mapEntry(b, r, end, res.headers, latin1)
      r.p = end
    } else skip(b, r, tag & 7)
  }
  return res
}

function stringField(tag: number, s: string, parts: Buffer[]): void {
  if (!s) return
  const body = Buffer.from(s, 'utf8')
  const head = Buffer.allocUnsafe(1 + varintSize(body.length))
  head[0] = tag
  putVarint(head, 1, body.length)
  parts.push(head, body)
}

function mapField(tag: number, map: HeaderMap | undefined, latin: boolean, parts: Buffer[]): void {
  if (!map) return
  const entries = Object.entries(map)
  const sizes: number[] = []
  const out = Buffer.alloc(mapSize(entries, latin, sizes))
  putMap(out, 0, tag, entries, latin, sizes, 0)
  parts.push(out)
}

/**
 * Encodes an `http.v1.Request` context, as rr does (tests and benchmarks that play rr's side).
 * Not on any hot path.
 */
export function encodeRequestContext(ctx: Partial<RequestContext>): Buffer {
  const parts: Buffer[] = []
  stringField(0x0a, ctx.remote_addr ?? '', parts)
  stringField(0x12, ctx.protocol ?? '', parts)
  stringField(0x1a, ctx.method ?? '', parts)
  stringField(0x22, ctx.uri ?? '', parts)
  mapField(0x2a, ctx.header, true, parts)
  mapField(0x32, ctx.cookies, false, parts)
  stringField(0x3a, ctx.raw_query ?? '', parts)
  if (ctx.parsed) parts.push(Buffer.from([0x40, 1]))
  if (ctx.uploads && ctx.uploads.length) {
    const head = Buffer.allocUnsafe(1 + varintSize(ctx.uploads.length))
    head[0] = 0x4a
    putVarint(head, 1, ctx.uploads.length)
    parts.push(head, Buffer.from(ctx.uploads))
  }
  mapField(0x52, ctx.attributes, false, parts)
  return Buffer.concat(parts)
}
