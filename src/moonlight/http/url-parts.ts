/**
 * The pathname and search of a request URL without building a `URL` (the WHATWG parser costs a few
 * µs per request), for the URLs where the result is certain to be what `new URL(href)` gives:
 * `http://` or `https://`, an authority already parsed once by `new URL` with the same result, and
 * a path and query made only of characters the parser keeps as they are (no dot segments, no
 * backslash, nothing it percent-encodes, no fragment). Anything else goes through `new URL`, so an
 * invalid URL still throws where it did.
 * @module
 */

/** What the front reads of a URL on every request. */
export interface UrlParts {
  readonly pathname: string
  readonly search: string
}

/** Authorities (`http://host:port`) that `new URL` parsed with the same pathname and search as {@link fastParts}. */
const checked = new Set<string>()
/** Distinct authorities remembered; a client can send any Host, so the set starts over when full. */
const MAX_CHECKED = 64

/**
 * 1 for the characters kept as they are in a special URL's path and query:
 * `A-Z a-z 0-9 - . _ ~ ! $ & ( ) * + , ; = : @ / % ?`.
 */
const KEEP = new Uint8Array(128)
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&()*+,;=:@/%?') KEEP[c.charCodeAt(0)] = 1

/** Where the path starts (the `/` after the authority), or -1 when the quick split does not apply. */
function pathStart(href: string): number {
  const at = href.startsWith('http://') ? 7 : href.startsWith('https://') ? 8 : -1
  if (at < 0) return -1
  const slash = href.indexOf('/', at)
  if (slash <= at) return -1
  for (let i = at; i < slash; i++) {
    const c = href.charCodeAt(i)
    // The authority (host, port, IPv6 brackets); userinfo, `?` and `%` are left to the parser.
    if (c === 91 || c === 93) continue // [ ]
    if (c >= 128 || KEEP[c] !== 1 || c === 64 /* @ */ || c === 63 /* ? */ || c === 37 /* % */) return -1
  }
  return slash
}

/** Pathname and search by splitting, or undefined when the parser could change them. */
function fastParts(href: string, slash: number): UrlParts | undefined {
  let q = -1
  for (let i = slash; i < href.length; i++) {
    const c = href.charCodeAt(i)
    if (c >= 128 || KEEP[c] !== 1) return undefined
    if (c === 63 /* ? */ && q < 0) q = i
  }
  const pathname = q < 0 ? href.slice(slash) : href.slice(slash, q)
  // Dot segments (`/.`, `/..`, `%2e`) are resolved by the parser.
  if (pathname.includes('/.') || pathname.includes('%2e') || pathname.includes('%2E')) return undefined
  // Frozen: the same object may answer the next request for this href.
  return Object.freeze({ pathname, search: q < 0 || q === href.length - 1 ? '' : href.slice(q) })
}

/** The last quick split given out, and its href: a Moonlight API takes most of its calls on one URL (`POST /api/v1/`). */
let lastHref = ''
let lastParts: UrlParts | undefined

/**
 * `{pathname, search}` of `href` as `new URL(href)` has them; throws as `new URL(href)` does for an
 * invalid URL (the first time an authority is seen, it is parsed for real).
 */
export function urlParts(href: string): UrlParts {
  if (href === lastHref && lastParts !== undefined) return lastParts
  const slash = pathStart(href)
  if (slash > 0) {
    const fast = fastParts(href, slash)
    if (fast !== undefined) {
      const origin = href.slice(0, slash)
      if (checked.has(origin)) {
        lastHref = href
        lastParts = fast
        return fast
      }
      const url = new URL(href)
      if (url.pathname === fast.pathname && url.search === fast.search) {
        if (checked.size >= MAX_CHECKED) checked.clear()
        checked.add(origin)
      }
      return url
    }
  }
  return new URL(href)
}
