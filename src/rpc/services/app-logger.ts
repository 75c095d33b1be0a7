/**
 * rr's app-logger plugin: log lines sent over RPC (`app.InfoWithContext` and friends) come out of
 * rr's own logger, named `app`, in rr's format and level filter, beside rr's lines. When rr's RPC
 * cannot be reached, each line goes to stderr instead (which rr also collects from its workers), so
 * no line is lost; lines keep their order.
 * @module
 */
import { descriptor } from '../../generated/applogger-v1.js'
import type { RpcClient } from '../client.js'
import { RpcConnectionError, RpcTimeoutError } from '../errors.js'
import { encode, lazyTypes } from './proto-types.js'

const type = lazyTypes(descriptor)

export type RrLogLevel = 'debug' | 'info' | 'warn' | 'error'

const METHODS: Record<RrLogLevel, string> = {
  debug: 'app.DebugWithContext',
  info: 'app.InfoWithContext',
  warn: 'app.WarningWithContext',
  error: 'app.ErrorWithContext',
}

/** Fields of a line: values that are not strings are sent as JSON. */
export type LogFields = Record<string, unknown>

export interface RrLoggerOptions {
  /** Where a line goes when rr cannot take it (default: process.stderr, one JSON object a line). */
  fallback?: (line: string) => void
  /** After a failed call, how long lines go straight to the fallback before rr is tried again (ms, default 1000). */
  retryAfterMs?: number
  /** Per-call RPC timeout in ms (default 2000). */
  timeoutMs?: number
}

export interface RrLogger {
  debug(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
  log(level: RrLogLevel, message: string, fields?: LogFields): void
  /** Resolves when every line logged so far has reached rr or the fallback. */
  flush(): Promise<void>
}

interface Line {
  level: RrLogLevel
  message: string
  fields: LogFields | undefined
}

function attrs(fields: LogFields | undefined): { key: string; value: string }[] {
  if (!fields) return []
  const out: { key: string; value: string }[] = []
  for (const key of Object.keys(fields)) {
    const v = fields[key]
    if (v === undefined) continue
    out.push({ key, value: typeof v === 'string' ? v : v instanceof Error ? (v.stack ?? v.message) : safeJson(v) })
  }
  return out
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v)
  } catch {
    return String(v)
  }
}

/**
 * A logger whose lines rr writes (RR's `app` logger). Calls never throw and never wait: lines are
 * queued and sent one after another (rr's RPC server runs calls concurrently, so sending them in
 * parallel would mix their order).
 * @example
 * import { RpcClient, rrLogger } from 'pionia/rpc'
 * const log = rrLogger(new RpcClient())
 * log.info('invoice sent', { invoice: 42 })
 */
export function rrLogger(client: RpcClient, options: RrLoggerOptions = {}): RrLogger {
  const fallback = options.fallback ?? ((line: string) => void process.stderr.write(line + '\n'))
  const retryAfterMs = options.retryAfterMs ?? 1000
  const timeoutMs = options.timeoutMs ?? 2000
  const queue: Line[] = []
  let downUntil = 0
  let draining: Promise<void> | undefined

  const toFallback = (line: Line): void => {
    fallback(safeJson({ level: line.level, time: new Date().toISOString(), logger: 'app', msg: line.message, ...line.fields }))
  }

  const drain = async (): Promise<void> => {
    for (let line = queue.shift(); line; line = queue.shift()) {
      if (Date.now() < downUntil) {
        toFallback(line)
        continue
      }
      try {
        await client.callProto(METHODS[line.level], encode(type('applogger.v1.LogEntry'), { message: line.message, log_attrs: attrs(line.fields) }), {
          timeoutMs,
        })
      } catch (err) {
        // rr unreachable (or gone mid-call): this line and the next ones go to stderr for a while.
        if (err instanceof RpcConnectionError || err instanceof RpcTimeoutError) downUntil = Date.now() + retryAfterMs
        toFallback(line)
      }
    }
  }

  // One drain at a time; a line queued while a drain is finishing starts the next one.
  const kick = (): void => {
    if (draining || queue.length === 0) return
    draining = drain().finally(() => {
      draining = undefined
      kick()
    })
  }

  const log = (level: RrLogLevel, message: string, fields?: LogFields): void => {
    queue.push({ level, message, fields })
    kick()
  }

  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    log,
    flush: async () => {
      while (draining) await draining
    },
  }
}

const PINO_LEVELS: Record<string, RrLogLevel> = { trace: 'debug', debug: 'debug', info: 'info', warn: 'warn', error: 'error', fatal: 'error' }

function pinoLevel(level: unknown): RrLogLevel {
  if (typeof level === 'number') return level >= 50 ? 'error' : level >= 40 ? 'warn' : level >= 30 ? 'info' : 'debug'
  return (typeof level === 'string' && PINO_LEVELS[level]) || 'info'
}

/** Keys of a pino line that rr's own logger already gives every line. */
const PINO_OWN = new Set(['level', 'time', 'pid', 'hostname', 'msg'])

/**
 * A pino destination (`pino(options, rrLogDestination(client))`) that writes every line through
 * rr's app-logger: pino's level becomes rr's, `msg` the message, the other keys its fields. A line
 * that is not JSON is sent as an info message.
 */
export function rrLogDestination(client: RpcClient, options: RrLoggerOptions = {}): { write(line: string): boolean; flush(): Promise<void> } {
  const logger = rrLogger(client, options)
  return {
    write(chunk: string): boolean {
      for (const text of chunk.split('\n')) {
        if (!text) continue
        let obj: Record<string, unknown>
        try {
          obj = JSON.parse(text) as Record<string, unknown>
        } catch {
          logger.info(text)
          continue
        }
        const fields: LogFields = {}
        for (const key of Object.keys(obj)) if (!PINO_OWN.has(key)) fields[key] = obj[key]
        logger.log(pinoLevel(obj.level), typeof obj.msg === 'string' ? obj.msg : '', fields)
      }
      return true
    },
    flush: () => logger.flush(),
  }
}
