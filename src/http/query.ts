/**
 * Query strings as PHP's `parse_str` reads them (what `$request->getQueryParams()` is in the PHP
 * SDK's PSR7Worker): `a[]=1&a[]=2` → `{a: ['1','2']}`, `a[b][c]=1` → `{a: {b: {c: '1'}}}`, a plain
 * repeated key keeps its last value, `a` and `a=` are `''`, `a.b` and `a b` become `a_b`.
 *
 * The rules follow php-src `main/php_variables.c` (`php_default_treat_data`,
 * `php_register_variable_ex`), checked case by case against PHP 8.2's `parse_str`:
 * pairs split on `&` (empty ones skipped), name and value URL-decoded (`+` is a space, a bad `%`
 * escape stays as written), leading spaces of the name dropped, `.` and space before the first `[`
 * turned into `_`, an unclosed `[` turns into `_` too (`a[b=1` → `a_b`), text after a `]` that is
 * not another `[` is ignored, one whitespace right after `[` is skipped (`a[ ]` appends), `[]`
 * appends at the next integer index, a scalar met where an array is needed is replaced by one and
 * the other way round. Limits as PHP's defaults: 1000 variables (`max_input_vars`, the rest are
 * ignored) and 64 bracket levels (`max_input_nesting_level`, the whole variable is dropped).
 *
 * A PHP array becomes a JS array when its keys are 0..n-1 in order (as `json_encode` does), an
 * object otherwise; an object lists integer keys first (JS property order).
 * @module
 */
import type { FormTree } from './form.js'

/** Variables read from one query string; the rest are ignored (PHP's `max_input_vars`). */
export const MAX_QUERY_VARS = 1000
/** Bracket levels of one variable; deeper ones are dropped (PHP's `max_input_nesting_level`). */
export const MAX_QUERY_DEPTH = 64

type Leaf = string
/** A PHP array while it is built: insertion-ordered keys and the next append index. */
interface PhpArray {
  map: Map<string, Leaf | PhpArray>
  next: number
}

const INT_KEY = /^(?:0|-?[1-9][0-9]{0,15})$/

let warnedVars = false
let warnedDepth = false

function newArray(): PhpArray {
  return { map: new Map(), next: 0 }
}

/** Stores `value` under `key` (null: append), keeping PHP's next free integer index. */
function put(arr: PhpArray, key: string | null, value: Leaf | PhpArray): void {
  if (key === null) key = String(arr.next)
  if (INT_KEY.test(key)) {
    const n = Number(key)
    if (Number.isSafeInteger(n) && n >= arr.next) arr.next = n + 1
  }
  arr.map.set(key, value)
}

/** The array at `key` (null: a new appended one), replacing a scalar found there. */
function child(arr: PhpArray, key: string | null): PhpArray {
  if (key !== null) {
    const found = arr.map.get(key)
    if (found !== undefined && typeof found !== 'string') return found
  }
  const a = newArray()
  put(arr, key, a)
  return a
}

/** PHP's urldecode: `+` is a space, `%XX` a byte, a bad escape stays; the bytes are read as UTF-8. */
function urldecode(s: string): string {
  const pct = s.indexOf('%')
  if (pct < 0) return s.indexOf('+') < 0 ? s : s.replaceAll('+', ' ')
  const b = Buffer.from(s, 'utf8')
  let w = 0
  for (let r = 0; r < b.length; r++) {
    const c = b[r]!
    if (c === 0x2b) b[w++] = 0x20
    else if (c === 0x25 && r + 2 < b.length && isHex(b[r + 1]) && isHex(b[r + 2])) {
      b[w++] = (hex(b[r + 1]!) << 4) | hex(b[r + 2]!)
      r += 2
    } else b[w++] = c
  }
  return b.toString('utf8', 0, w)
}

function isHex(c: number | undefined): boolean {
  return c !== undefined && ((c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66))
}

function hex(c: number): number {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\r' || c === '\n' || c === '\t'

/** php_register_variable_ex for one decoded name/value pair. */
function register(top: PhpArray, name: string, value: string): void {
  const nul = name.indexOf('\0')
  if (nul >= 0) name = name.slice(0, nul) // PHP reads the name as a C string
  let i = 0
  while (name[i] === ' ') i++
  let base = ''
  let p = i
  for (; p < name.length; p++) {
    const c = name[p]
    if (c === ' ' || c === '.') base += '_'
    else if (c === '[') break
    else base += c
  }
  if (base.length === 0) return
  if (p >= name.length) return put(top, base, value)

  // Brackets: descend one level per `[...]`; `pending` is the key the value (or the next level) goes to.
  let node = top
  let pending: string | null = base
  let depth = 0
  for (;;) {
    if (++depth > MAX_QUERY_DEPTH) {
      top.map.delete(base)
      if (!warnedDepth) {
        warnedDepth = true
        process.stderr.write(`[pionia] a query variable (${base}) nests deeper than ${MAX_QUERY_DEPTH} levels and was dropped, as PHP's max_input_nesting_level does\n`)
      }
      return
    }
    let ip = p + 1 // after '['
    const start = ip
    if (isSpace(name[ip])) ip++
    let index: string | null
    if (name[ip] === ']') index = null
    else {
      const close = name.indexOf(']', ip)
      if (close < 0) {
        // Not an index: at the first level the `[` and the rest join the name (`a[b.c` → `a_b_c`);
        // deeper, the rest is ignored and the value goes to the pending key.
        if (depth === 1) pending = base + '_' + name.slice(start).replace(/[ .[]/g, '_')
        break
      }
      index = name.slice(start, close)
      ip = close
    }
    node = child(node, pending)
    pending = index
    p = ip + 1 // after ']'
    if (name[p] !== '[') break
  }
  put(node, pending, value)
}

function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true })
  else o[k] = v
}

function toJs(arr: PhpArray): FormTree | Array<string | FormTree> {
  let list = true
  let n = 0
  for (const k of arr.map.keys()) {
    if (k !== String(n++)) {
      list = false
      break
    }
  }
  if (list) {
    const out: Array<string | FormTree> = []
    for (const v of arr.map.values()) out.push(typeof v === 'string' ? v : (toJs(v) as FormTree))
    return out
  }
  const out: FormTree = {}
  for (const [k, v] of arr.map) setOwn(out, k, typeof v === 'string' ? v : toJs(v))
  return out
}

/**
 * Parses a raw query string (without `?`) into PHP's `parse_str` tree; see the module comment.
 * With `into`, the top-level keys are written onto that object (own properties, `__proto__`
 * included, never the prototype) and it is returned.
 * @example
 * parseQuery('tags[]=a&tags[]=b&page[size]=10&q=') // { tags: ['a', 'b'], page: { size: '10' }, q: '' }
 */
export function parseQuery(raw: string, into?: Record<string, unknown>): FormTree {
  const out = (into ?? {}) as FormTree
  if (raw.length === 0) return out
  const top = newArray()
  let count = 0
  let at = 0
  while (at <= raw.length) {
    let end = raw.indexOf('&', at)
    if (end < 0) end = raw.length
    if (end > at) {
      if (++count > MAX_QUERY_VARS) {
        if (!warnedVars) {
          warnedVars = true
          process.stderr.write(`[pionia] a query string has more than ${MAX_QUERY_VARS} variables: the rest are ignored, as PHP's max_input_vars does; send large data in a POST body\n`)
        }
        break
      }
      const eq = raw.indexOf('=', at)
      if (eq >= 0 && eq < end) register(top, urldecode(raw.slice(at, eq)), urldecode(raw.slice(eq + 1, end)))
      else register(top, urldecode(raw.slice(at, end)), '')
    }
    at = end + 1
  }
  for (const [k, v] of top.map) setOwn(out, k, typeof v === 'string' ? v : toJs(v))
  return out
}
