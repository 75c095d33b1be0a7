/**
 * The exception pipeline: an error becomes an envelope. Order: a registered mapper for the error's
 * class, then HttpError (renders itself with its own message, production included), then the generic
 * handler (500 with "An unexpected error occurred." unless debug, where the message and
 * `{exception, file, line, trace?}` are shown). Reporting happens first (skipped for HttpError and
 * for classes in dontReport / `[exceptions] DONT_REPORT`).
 * @module
 */
import type { Settings } from '../../config/settings.js'
import { isTruthy } from '../../config/settings.js'
import { normalizeEnvelope, response, type Envelope } from './envelope.js'
import { HttpError, NotFoundError, UnauthenticatedError, UnauthorizedError } from './errors.js'
import type { Logger } from './log.js'

/** What clients see for an unexpected error outside debug. */
export const GENERIC_ERROR_MESSAGE = 'An unexpected error occurred.'

type ErrorClass = abstract new (...args: never[]) => Error

/** Hooks to customise error handling (`createApp({ exceptions })`). */
export interface ExceptionOptions {
  /** Class → envelope mappers, checked in order with instanceof. */
  map?: [ErrorClass, (err: Error) => Envelope][]
  /** Error classes never reported. */
  dontReport?: ErrorClass[]
  /** Extra reporters (e.g. Sentry); called for every reported error. */
  reportable?: ((err: unknown) => void)[]
}

/** A rendered error: its envelope and any extra HTTP headers. */
export interface RenderedError {
  envelope: Envelope
  headers: Record<string, string>
}

function codeSetting(settings: Settings, key: string, fallback: number): number {
  const v = Number(settings.get('server', key) ?? settings.env(key) ?? fallback)
  return Number.isInteger(v) ? v : fallback
}

/** Where the error was thrown, from its stack. */
function origin(err: Error): { file: string | null; line: number | null } {
  const m = /\(?((?:file:\/\/)?\/[^():\s]+):(\d+):\d+\)?/.exec(err.stack?.split('\n').slice(1).join('\n') ?? '')
  return m ? { file: m[1]!, line: Number(m[2]) } : { file: null, line: null }
}

/** Turns errors into envelopes for one app. */
export class ExceptionPipeline {
  readonly #options: ExceptionOptions
  readonly #logger: Logger
  constructor(options: ExceptionOptions, logger: Logger) {
    this.#options = options
    this.#logger = logger
  }

  /** Logs the error (unless it is a client error or listed in dontReport) and runs the reporters. */
  report(err: unknown, settings: Settings, context: Record<string, unknown> = {}): void {
    const e = err instanceof Error ? err : new Error(String(err))
    const ini = (settings.get('exceptions', 'DONT_REPORT') ?? '').split(',').map((s) => s.trim()).filter(Boolean)
    const skip = e instanceof HttpError || ini.includes(e.name) || ini.includes(e.constructor.name) ||
      (this.#options.dontReport ?? []).some((c) => e instanceof c)
    if (!skip) {
      const { file, line } = origin(e)
      this.#logger.error(`${e.constructor.name}: ${e.message}`, { ...context, file, line, stack: e.stack })
    }
    for (const r of this.#options.reportable ?? []) {
      try {
        r(e)
      } catch (inner) {
        this.#logger.error(`exception reporter failed: ${inner instanceof Error ? inner.message : String(inner)}`)
      }
    }
  }

  /** Reports and renders. */
  handle(err: unknown, settings: Settings, debug: boolean, context?: Record<string, unknown>): RenderedError {
    this.report(err, settings, context)
    return this.render(err, settings, debug)
  }

  /** Renders without reporting. */
  render(err: unknown, settings: Settings, debug: boolean): RenderedError {
    const e = err instanceof Error ? err : new Error(String(err))
    for (const [cls, mapper] of this.#options.map ?? []) {
      if (e instanceof cls) return { envelope: normalizeEnvelope(mapper(e)), headers: {} }
    }
    if (e instanceof HttpError) {
      let code = e.code
      if (e instanceof NotFoundError) code = codeSetting(settings, 'NOT_FOUND_CODE', 404)
      else if (e instanceof UnauthenticatedError) code = codeSetting(settings, 'UNAUTHENTICATED_CODE', 401)
      else if (e instanceof UnauthorizedError) code = codeSetting(settings, 'UNAUTHORIZED_CODE', 403)
      return { envelope: response(code, e.message, e.data), headers: e.headers }
    }
    const code = codeSetting(settings, 'SERVER_ERROR_CODE', 500)
    if (!debug) return { envelope: response(code, GENERIC_ERROR_MESSAGE), headers: {} }
    const { file, line } = origin(e)
    const traces = settings.get('exceptions', 'RENDER_TRACES')
    const data: Record<string, unknown> = { exception: e.constructor.name, file, line }
    if (traces === undefined || isTruthy(traces)) data.trace = (e.stack ?? '').split('\n').slice(1).map((l) => l.trim())
    return { envelope: response(code, e.message || GENERIC_ERROR_MESSAGE, data), headers: {} }
  }
}
