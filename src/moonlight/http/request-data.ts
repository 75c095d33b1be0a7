/**
 * Builds the merged data map of an HTTP call: cookies < query < uploaded files < body (later wins).
 * A malformed body is a 400 that says what to send instead.
 * @module
 */
import { BadRequestError, HttpError } from '../core/errors.js'
import type { FileBag } from '../core/context.js'
import { parseQuery } from '../../http/query.js'
import { headerOf, parsedByRr, rrCookies, takeRrBody } from '../../http/request.js'

/**
 * Parses a Cookie header into name → value (a null-prototype object: `__proto__` is just a name), with
 * rr's rule (Go's `url.QueryUnescape`, as PHP's `$_COOKIE`): `+` is a space, `%xx` is unescaped, and a
 * value that does not unescape drops the cookie. For Requests rr did not decode (`pionia serve`,
 * tests); under rr the worker takes rr's decoded cookies instead.
 */
export function parseCookies(header: string | null): Record<string, string> {
  const out: Record<string, string> = Object.create(null)
  if (!header) return out
  for (const part of header.split(';')) {
    const i = part.indexOf('=')
    if (i <= 0) continue
    const name = part.slice(0, i).trim()
    if (name === '') continue
    const raw = part.slice(i + 1).trim().replace(/^"(.*)"$/, '$1')
    try {
      out[name] = decodeURIComponent(raw.includes('+') ? raw.replaceAll('+', ' ') : raw)
    } catch {
      // not unescapable: rr drops it too
    }
  }
  return out
}

/**
 * The cookies of `request` as the start of its data map (null-prototype): rr's decoded cookies for a
 * request from rr (the header is not parsed again; nothing is allocated beyond the map when it sent
 * none), the parsed Cookie header for any other Request.
 */
function cookieData(request: Request): Record<string, unknown> {
  const rr = rrCookies(request)
  if (rr === undefined) return parseCookies(headerOf(request, 'cookie'))
  const out: Record<string, unknown> = Object.create(null)
  if (rr !== null) {
    for (const name in rr) {
      const values = rr[name]!
      if (values.length > 0) out[name] = values[values.length - 1]
    }
  }
  return out
}

const EXAMPLE = '{"service":"task","action":"list"}'

/** Deepest array/object nesting accepted in a JSON body; deeper bodies are a 400 before parsing. */
export const MAX_JSON_DEPTH = 128

/**
 * Most parts a multipart form may have (fields and files together): Go's own limit, which rr applies
 * when it parses forms itself (`http.raw_body: false`, where rr answers a plain 500 instead).
 */
export const MAX_FORM_PARTS = 1000

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** True when `text` nests arrays/objects deeper than `limit` (brackets inside strings do not count). */
function nestsDeeperThan(text: string, limit: number): boolean {
  if (text.length <= limit) return false // each level takes at least one character
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 123 || c === 91) {
      if (++depth > limit) return true
    } else if (c === 125 || c === 93) depth--
  }
  return false
}

/** The merged data map of a request and its file bag. */
export interface RequestDataResult {
  data: Record<string, unknown>
  files: FileBag
}

/**
 * Reads cookies, query, files and body of `request` into one map plus the file bag. Both are
 * null-prototype objects, so a client key such as `__proto__` (`{"__proto__": {"service": …}}`) is an
 * own key like any other and nothing is inherited.
 */
export async function readRequestData(request: Request, url: Pick<URL, 'search'>): Promise<RequestDataResult> {
  return readRequestDataNow(request, url.search)
}

/**
 * {@link readRequestData} without a promise when nothing has to be awaited (a request from rr
 * that is not multipart, or one without a body); `search` is the URL's search (`?a=1` or '').
 * Throws synchronously what the promise would reject with.
 */
export function readRequestDataNow(request: Request, search: string): RequestDataResult | Promise<RequestDataResult> {
  const data = cookieData(request)
  if (search.length > 1) parseQuery(search.slice(1), data) // PHP parse_str tree: a[]=1&a[]=2 → a: ['1','2']
  const files: FileBag = Object.create(null)
  if (request.method === 'GET' || request.method === 'HEAD') return { data, files }
  const type = (headerOf(request, 'content-type') ?? '').toLowerCase()
  if (type.startsWith('multipart/form-data')) {
    if (!request.body) return { data, files }
    return readMultipart(request, type, data, files)
  }
  // rr's bytes as they are (no stream, no copy); any other Request through arrayBuffer().
  const raw = takeRrBody(request)
  if (raw === null || (raw === undefined && !request.body)) return { data, files }
  if (raw === undefined) return request.arrayBuffer().then((bytes) => fromText(request, type, utf8(bytes), data, files))
  return fromText(request, type, utf8(raw), data, files)
}

/** The body text (urlencoded or JSON) merged into the data. */
function fromText(request: Request, type: string, text: string, data: Record<string, unknown>, files: FileBag): RequestDataResult {
  if (type.startsWith('application/x-www-form-urlencoded')) {
    // `curl -d '{"service":…}'` sends JSON labelled as a form: a body that starts with { is read as JSON.
    if (parsedByRr(request)) return { data: Object.assign(data, rrFormFields(text, headerOf(request, 'content-length'))), files }
    if (text.trimStart().startsWith('{')) return { data: Object.assign(data, parseJsonObject(text)), files }
    for (const [k, v] of new URLSearchParams(text)) data[k] = v
    return { data, files }
  }
  if (!NOT_SPACE.test(text)) return { data, files }
  Object.assign(data, parseJsonObject(text))
  return { data, files }
}

/** A multipart body: string fields into the data, files into the bag (and the data). */
async function readMultipart(request: Request, type: string, data: Record<string, unknown>, files: FileBag): Promise<RequestDataResult> {
  let form: FormData
  try {
    form = await request.formData()
  } catch (err) {
    throw new BadRequestError(`Malformed form body (${err instanceof Error ? err.message : String(err)}): send valid ${type.split(';')[0]} data`)
  }
  const fields: Record<string, unknown> = Object.create(null)
  let parts = 0
  for (const _ of form.keys()) parts++
  if (parts > MAX_FORM_PARTS) {
    throw new HttpError(413, `The form has ${parts} parts; at most ${MAX_FORM_PARTS} are accepted: send fewer fields and files per request (or JSON)`)
  }
  for (const [k, v] of form) {
    if (typeof v === 'string') fields[k] = v
    else {
      files[k] = v
      data[k] = v
    }
  }
  Object.assign(data, fields)
  return { data, files }
}

/**
 * The fields of a urlencoded form rr parsed (`http.raw_body: false`): `text` is rr's JSON tree. JSON sent
 * without a Content-Type (`curl -d '{…}'`) arrives as a tree of one key, the JSON text, with an empty
 * value: that key is the body. rr's form parser drops spaces and decodes `+`/`%xx` in names, so the
 * key is the exact body only when its length is the request's Content-Length; otherwise a 400 says how
 * to send it intact.
 */
function rrFormFields(text: string, contentLength: string | null): Record<string, unknown> {
  const tree = text === '' ? {} : parseJsonObject(text)
  const keys = Object.keys(tree)
  if (!keys.some((k) => k.trimStart().startsWith('{'))) return tree
  const json = keys[0]!
  if (keys.length !== 1 || tree[json] !== '' || (contentLength !== null && Buffer.byteLength(json) !== Number(contentLength))) {
    throw new BadRequestError(
      'This JSON body was sent as a urlencoded form (no Content-Type; curl -d does that) and rr parsed it as a form ' +
        '(http.raw_body: false), which drops its spaces and decodes +, %, & and =: send it with ' +
        "-H 'Content-Type: application/json', or set http.raw_body: true in .rr.yaml",
    )
  }
  return parseJsonObject(json)
}

/** The body as text; bytes that are not UTF-8 are a 400 (never silently replaced with U+FFFD). */
function utf8(bytes: ArrayBuffer | Uint8Array): string {
  try {
    return strictUtf8.decode(bytes)
  } catch {
    throw new BadRequestError(`The request body is not valid UTF-8: send JSON such as ${EXAMPLE} encoded as UTF-8`)
  }
}

/** Any character `trim()` keeps (`\s` is the set trim removes): a blank body is found without copying it. */
const NOT_SPACE = /\S/

/** Parses a JSON object body (depth-limited); anything else is a 400 that shows what to send. */
function parseJsonObject(text: string): Record<string, unknown> {
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new BadRequestError(`The request body is nested deeper than ${MAX_JSON_DEPTH} levels: send flatter JSON`)
  }
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch (err) {
    throw new BadRequestError(
      `Malformed JSON body (${err instanceof Error ? err.message : String(err)}): send a JSON object such as ${EXAMPLE} with Content-Type: application/json`,
    )
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequestError(`The request body must be a JSON object such as ${EXAMPLE}`)
  }
  return body as Record<string, unknown>
}
