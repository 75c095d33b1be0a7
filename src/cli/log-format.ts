/**
 * Formats rr's log lines for a terminal (pure; no I/O). rr's HTTP access line
 *
 *   2026-07-01T13:18:42+0000  INFO  http  http log  {"status":200,"method":"GET","URI":"/api/v1/ping",...}
 *
 * becomes `13:18:42  GET     /api/v1/ping  200  1.2 KB    4ms`: columns joined by two spaces, the
 * method padded to 6, the size to 8, the status green (<300), yellow (3xx/4xx) or red (>=500). Other
 * lines become `HH:MM:SS  LEVEL  channel   message`. rr's production (JSON) encoder is understood too.
 * The rules follow Pionia's PHP formatter, so the two print the same columns.
 * @module
 */
import { StringDecoder } from 'node:string_decoder'
import { painter, type Paint } from './util/color.js'

type Json = Record<string, unknown>

const TIME = /(\d{2}:\d{2}:\d{2})/

/** `HH:MM:SS` from an ISO string (taken literally, as rr wrote it) or from Unix nanoseconds. */
function clock(value: unknown): string | undefined {
  if (typeof value === 'string') return TIME.exec(value)?.[1]
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
    // rr's production encoder writes integer nanoseconds; seconds and ms are accepted as well.
    const ms = value > 1e17 ? value / 1e6 : value > 1e14 ? value / 1e3 : value > 1e11 ? value : value * 1000
    const d = new Date(ms)
    const p = (n: number): string => String(n).padStart(2, '0')
    return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
  }
  return undefined
}

function firstNumber(data: Json, keys: string[]): number {
  for (const k of keys) {
    const v = data[k]
    if (typeof v === 'number' && Number.isFinite(v)) return v
    if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v)
  }
  return 0
}

/** One decimal, a trailing `.0` dropped (2048 → `2`, 21988/1024 → `21.5`). */
function oneDecimal(n: number): string {
  return String(Math.round(n * 10) / 10)
}

/** `512 B`, `21.5 KB`, `2 MB`. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${Math.max(0, Math.trunc(bytes))} B`
  if (bytes < 1024 * 1024) return `${oneDecimal(bytes / 1024)} KB`
  return `${oneDecimal(bytes / (1024 * 1024))} MB`
}

/** `elapsed` (ms) → `4ms` / `1.50s`; else `request_time` (seconds) → `12ms` / `1.25s`; else `-`. */
export function formatDuration(data: Json): string {
  const elapsed = data.elapsed
  if (typeof elapsed === 'number' && Number.isFinite(elapsed)) {
    return elapsed >= 1000 ? `${(elapsed / 1000).toFixed(2)}s` : `${Math.trunc(elapsed)}ms`
  }
  const rt = data.request_time
  // rr's own request_time is a timestamp, not a duration: only small numbers are seconds.
  if (typeof rt === 'number' && Number.isFinite(rt) && rt < 1e6) {
    return rt >= 1 ? `${rt.toFixed(2)}s` : `${Math.round(rt * 1000)}ms`
  }
  return '-'
}

function statusColor(status: number): 'red' | 'yellow' | 'green' {
  return status >= 500 ? 'red' : status >= 300 ? 'yellow' : 'green'
}

function levelColor(level: string): 'red' | 'yellow' | undefined {
  const l = level.toUpperCase()
  if (l.startsWith('ERR') || l === 'FATAL' || l === 'PANIC' || l === 'DPANIC') return 'red'
  if (l.startsWith('WARN')) return 'yellow'
  return undefined
}

/** Finds a JSON object that ends the line and starts after whitespace (or is the whole line). */
function trailingJson(line: string): { prefix: string; data: Json } | undefined {
  if (!line.endsWith('}')) return undefined
  for (let i = line.indexOf('{'); i >= 0; i = line.indexOf('{', i + 1)) {
    if (i > 0 && !/\s/.test(line[i - 1]!)) continue
    try {
      const data: unknown = JSON.parse(line.slice(i))
      if (data && typeof data === 'object' && !Array.isArray(data)) return { prefix: line.slice(0, i).trimEnd(), data: data as Json }
    } catch {
      // not JSON from here; try the next brace
    }
  }
  return undefined
}

/** Query parameters whose values are secrets (the maintenance bypass token, bearer tokens in URLs). */
const SECRET_QUERY = /([?&](?:bypass|token|access_token|api_key|password)=)[^&#\s]*/gi

/** Masks secret query values in a request URI: `/ping?bypass=s3cret` -> `/ping?bypass=***`. */
export function redactUri(uri: string): string {
  return uri.replace(SECRET_QUERY, '$1***')
}

function httpLine(prefix: string, data: Json, paint: Paint): string {
  const time = (typeof data.start === 'string' ? clock(data.start) : undefined) ?? clock(prefix.split(/\s+/)[0]) ?? clock(data.ts) ?? '--:--:--'
  const method = String(data.method).padEnd(6)
  const uri = redactUri(String([data.URI, data.URL, data.request].find((v) => typeof v === 'string' && v !== '') ?? '/'))
  const status = Number(data.status)
  const size = formatSize(firstNumber(data, ['write_bytes', 'bytes_sent', 'response_bytes'])).padEnd(8)
  return [time, method, uri, paint(statusColor(status), String(data.status)), size, formatDuration(data)].join('  ')
}

function padded(level: string, channel: string, paint: Paint): string[] {
  const out: string[] = []
  if (level) {
    const c = levelColor(level)
    out.push(c ? paint(c, level.toUpperCase().padEnd(5)) : level.toUpperCase().padEnd(5))
  }
  if (channel) out.push(channel.padEnd(8))
  return out
}

function structuredLine(prefix: string, data: Json, paint: Paint): string {
  const parts = prefix.split(/\s+/).filter(Boolean)
  const time = clock(parts[0]) ?? clock(data.ts) ?? clock(data.time) ?? ''
  const level = parts[1] ?? (typeof data.level === 'string' ? data.level : '')
  const channel = parts[2] ?? (typeof data.logger === 'string' ? data.logger : '')
  const message =
    typeof data.message === 'string' ? data.message : typeof data.msg === 'string' ? data.msg : parts.slice(3).join(' ')
  return [time, ...padded(level, channel, paint), message].filter((p) => p !== '').join('  ').trimEnd()
}

/**
 * Formats one rr log line. Returns the line unchanged when it has no recognisable shape.
 * @example
 * formatLogLine('2026-07-01T13:18:42+0000  INFO  http  http log  {"status":200,"method":"GET","URI":"/","write_bytes":5,"elapsed":4}')
 * // '13:18:42  GET     /  200  5 B       4ms'
 */
export function formatLogLine(line: string, options: { color?: boolean } = {}): string {
  return bounded(formatOne(line, options))
}

/** Longest formatted line, in characters; the rest is cut and counted (a 1 MB query string, say). */
export const MAX_LOG_LINE = 4096

function bounded(text: string): string {
  if (text.length <= MAX_LOG_LINE) return text
  return `${text.slice(0, MAX_LOG_LINE)}… (${text.length - MAX_LOG_LINE} more characters cut; runserver:logs --raw or the log file has the full line)`
}

function formatOne(line: string, options: { color?: boolean }): string {
  const paint = painter(options.color ?? false)
  const json = trailingJson(line)
  if (json) {
    if (json.data.status !== undefined && json.data.method !== undefined) return httpLine(json.prefix, json.data, paint)
    return structuredLine(json.prefix, json.data, paint)
  }
  const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(.*)$/.exec(line)
  const time = m ? TIME.exec(m[1]!)?.[1] : undefined
  if (!m || !time) return line
  return [time, ...padded(m[2]!, m[3]!, paint), m[4]!.trim()].join('  ')
}

/**
 * Splits a byte stream into lines (a trailing `\r` stripped, empty lines dropped) and emits each
 * formatted, or untouched when `raw`. Nothing is emitted before its newline arrives; `flush()` emits
 * a final partial line.
 */
export class LogLineWriter {
  #buffer = ''
  // A multi-byte character may be split across chunks.
  readonly #decoder = new StringDecoder('utf8')
  readonly #emit: (line: string) => void
  readonly #format: (line: string) => string

  constructor(emit: (line: string) => void, options: { raw?: boolean; color?: boolean } = {}) {
    this.#emit = emit
    const color = options.color ?? false
    this.#format = options.raw ? (l) => l : (l) => formatLogLine(l, { color })
  }

  push(chunk: Buffer | string): void {
    this.#buffer += typeof chunk === 'string' ? chunk : this.#decoder.write(chunk)
    let nl: number
    while ((nl = this.#buffer.indexOf('\n')) >= 0) {
      const line = this.#buffer.slice(0, nl)
      this.#buffer = this.#buffer.slice(nl + 1)
      this.#line(line)
    }
  }

  flush(): void {
    const rest = this.#buffer + this.#decoder.end()
    this.#buffer = ''
    this.#line(rest)
  }

  #line(line: string): void {
    const l = line.endsWith('\r') ? line.slice(0, -1) : line
    if (l.trim() === '') return
    this.#emit(this.#format(l))
  }
}
