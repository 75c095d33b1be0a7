/**
 * Response header checks and conversion to the codec's entries. A header that would split the
 * response (CR or LF in a name or value) or that is not an HTTP token is refused here with an
 * error that names it; nothing is sent.
 * @module
 */
import { sealEntries, type HeaderEntry } from './codec.js'

/** A response header name or value that cannot be sent. */
export class HttpHeaderError extends TypeError {
  override readonly name = 'HttpHeaderError'
  readonly code = 'RR_ERR_HTTP_HEADER'
}

// RFC 9110 token characters.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// Field values: any byte but NUL, CR, LF (RFC 9110 §5.5), and nothing above latin1.
const BAD_VALUE = /[\0\r\n\u0100-\uffff]/

function show(s: string): string {
  return JSON.stringify(s.length > 60 ? s.slice(0, 60) + '…' : s)
}

/** Throws {@link HttpHeaderError} unless `name: value` can go on the wire as is. */
export function assertHeader(name: string, value: string): void {
  if (!TOKEN.test(name)) {
    throw new HttpHeaderError(
      `invalid response header name ${show(name)}: header names are HTTP tokens (letters, digits and !#$%&'*+-.^_\`|~), no spaces, colons or line breaks. Fix the name; the response was not sent`,
    )
  }
  if (BAD_VALUE.test(value)) {
    const what = /[\r\n]/.test(value)
      ? 'contains CR or LF (a response-splitting attempt or a value that was not sanitised)'
      : /\0/.test(value)
        ? 'contains a NUL byte'
        : 'contains characters outside latin1 (encode it, e.g. encodeURIComponent or RFC 8187)'
    throw new HttpHeaderError(`invalid value for response header ${name}: ${show(value)} ${what}. Remove or encode them; the response was not sent`)
  }
}

/**
 * rr looks these two up case-sensitively in the response map (`Trailer`, `Http2-Push`); WHATWG
 * Headers and node lower-case names, so they are sent in rr's spelling. Go canonicalises the rest.
 */
const RR_SPELLING: Readonly<Record<string, string>> = { trailer: 'Trailer', 'http2-push': 'Http2-Push' }

function rrName(name: string): string {
  return RR_SPELLING[name.toLowerCase()] ?? name
}

/**
 * rr moves the headers a `Trailer` header lists into the trailer, matching names exactly as listed:
 * give those entries the listed spelling.
 */
export function spellTrailers(out: HeaderEntry[]): HeaderEntry[] {
  const t = out.find(([n]) => n === 'Trailer')
  if (!t) return out
  const listed = new Map<string, string>()
  for (const v of typeof t[1] === 'string' ? [t[1]] : t[1]) {
    for (const n of v.split(',')) if (n.trim()) listed.set(n.trim().toLowerCase(), n.trim())
  }
  return out.map(([n, v]) => [listed.get(n.toLowerCase()) ?? n, v] as const)
}

/**
 * Converts WHATWG `Headers` (already validated by the Headers class) into codec entries: one entry
 * per name, all `Set-Cookie` values kept apart in one entry.
 */
export function headerEntries(headers: Headers): HeaderEntry[] {
  const out: HeaderEntry[] = []
  let cookies = false
  for (const [name, value] of headers) {
    if (name === 'set-cookie') cookies = true
    else out.push([name.charCodeAt(0) === 0x74 || name.charCodeAt(0) === 0x68 ? rrName(name) : name, value])
  }
  if (cookies) out.push(['set-cookie', headers.getSetCookie()])
  return spellTrailers(out)
}

/** 0x09, 0x0A, 0x0D, 0x20: what Headers trims from both ends of a value. */
function httpSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d
}

// What Headers refuses in a value once trimmed.
const REFUSED = /[\0\r\n\u0100-\uffff]/

/**
 * The codec entries `headerEntries(new Headers(init))` gives (plus `content-type: type` when the
 * record has none and `type` is set), for a plain record of string values that Headers takes as is:
 * token names, no two names alike but for case, values it accepts (trimmed as it trims them).
 * Undefined for anything else (a Headers, pairs, a value Headers refuses or converts): build the
 * Headers then, which also throws its own error for bad input.
 */
export function plainRecordEntries(init: unknown, type: string | undefined): readonly HeaderEntry[] | undefined {
  if (typeof init !== 'object' || init === null) return undefined
  if (!Object.isFrozen(init)) return recordOf(init, type)
  // A frozen record cannot change: its entries are worked out (and encoded, see sealEntries) once.
  const known = frozenRecords.get(init)
  if (known !== undefined && known.type === type) return known.entries
  const entries = dataOnly(init) ? recordOf(init, type) : undefined
  const sealed = entries && sealEntries(entries)
  frozenRecords.set(init, { type, entries: sealed })
  return sealed
}

/** What {@link plainRecordEntries} gave for a frozen record, with the `type` it was asked with. */
const frozenRecords = new WeakMap<object, { type: string | undefined; entries: readonly HeaderEntry[] | undefined }>()

/** No getters: a frozen record with an accessor may still answer differently on each read. */
function dataOnly(record: object): boolean {
  const d = Object.getOwnPropertyDescriptors(record)
  for (const k in d) if (!('value' in d[k]!)) return false
  return true
}

/**
 * Names and values already checked, as Headers stores them (a name lower-cased, a value trimmed):
 * an app sends the same few headers again and again. Bounded; past the bound every new one is checked.
 */
const validNames = new Map<string, string>()
const validValues = new Map<string, string>()
const SEEN_LIMIT = 512

function recordOf(init: object, type: string | undefined): HeaderEntry[] | undefined {
  if (Object.getPrototypeOf(init) !== Object.prototype) return undefined
  if (Object.getOwnPropertySymbols(init).length > 0) return undefined
  const record = init as Record<string, unknown>
  const out: HeaderEntry[] = []
  let typed = false
  let special = false
  for (const name in record) {
    if (!Object.hasOwn(record, name)) return undefined
    const raw = record[name]
    if (typeof raw !== 'string') return undefined
    let lower = validNames.get(name)
    if (lower === undefined) {
      if (!TOKEN.test(name)) return undefined
      lower = name.toLowerCase()
      if (validNames.size < SEEN_LIMIT) validNames.set(name, lower)
    }
    let v = validValues.get(raw)
    if (v === undefined) {
      let start = 0
      let end = raw.length
      while (start < end && httpSpace(raw.charCodeAt(start))) start++
      while (end > start && httpSpace(raw.charCodeAt(end - 1))) end--
      v = start !== 0 || end !== raw.length ? raw.slice(start, end) : raw
      if (REFUSED.test(v)) return undefined
      if (validValues.size < SEEN_LIMIT && raw.length <= 256) validValues.set(raw, v)
    }
    for (let i = 0; i < out.length; i++) if (out[i]![0] === lower) return undefined
    if (lower === 'content-type') typed = true
    else if (lower === 'trailer' || lower === 'http2-push') special = true
    out.push([lower, v])
  }
  if (type !== undefined && !typed) out.push(['content-type', type])
  if (!special) return out
  for (let i = 0; i < out.length; i++) out[i] = [rrName(out[i]![0]), out[i]![1]]
  return spellTrailers(out)
}

/**
 * Validates and converts a plain header record (`{ name: value | values }`), as taken by
 * `earlyHints` and the node:http adapter.
 */
export function recordEntries(headers: Record<string, string | number | readonly string[] | undefined>): HeaderEntry[] {
  const out: HeaderEntry[] = []
  for (const name of Object.keys(headers)) {
    const v = headers[name]
    if (v === undefined) continue
    const values = Array.isArray(v) ? (v as readonly string[]).map(String) : [String(v)]
    for (const x of values) assertHeader(name, x)
    out.push([rrName(name), values])
  }
  return spellTrailers(out)
}

/** Validates and converts any `HeadersInit` (record, pairs or Headers) into codec entries. */
export function initEntries(init: HeadersInit): HeaderEntry[] {
  if (init instanceof Headers) return headerEntries(init)
  if (Array.isArray(init)) {
    const out: HeaderEntry[] = []
    for (const pair of init as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new HttpHeaderError('header pairs must be [name, value] arrays of two strings')
      const [name, value] = pair.map(String) as [string, string]
      assertHeader(name, value)
      out.push([rrName(name), value])
    }
    return spellTrailers(out)
  }
  return recordEntries(init as Record<string, string>)
}
