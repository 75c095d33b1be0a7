/**
 * Work that runs after the response: `defer(fn)` and the buffered form of `async(...)`. Each request
 * (or dispatched job) has a scope, found through AsyncLocalStorage; the scope is flushed once the
 * response body has been handed to the server. Errors are logged, never lost, never thrown at the client.
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { Logger } from './log.js'

/** A Moonlight call queued for later: `{service, action, payload, switch}` (the jobs wire shape too). */
export interface MoonlightJob {
  service: string
  action: string
  payload: Record<string, unknown>
  switch?: string
}

/** A queue for Moonlight jobs. `push` resolves with the job id; it rejects when the queue cannot take it. */
export interface JobQueue {
  push(job: MoonlightJob): Promise<string>
}

interface Pending<T> {
  run: () => T | Promise<T>
  resolve: (v: T) => void
  reject: (e: unknown) => void
}

/** The deferred work of one request. */
export interface DeferScope {
  closures: Pending<unknown>[]
  jobs: { job: MoonlightJob; pending: Pending<unknown> }[]
  /** Runs a string-form async job at flush time (queue or synchronous fallback). */
  runJob: (job: MoonlightJob, scope: DeferScope) => Promise<unknown>
  logger: Logger
  /** Set once the "queue unavailable" warning was logged for this request. */
  warned: boolean
  flushed: boolean
  /** The app serving this scope (for `moonlight()`). */
  app?: unknown
  /** Route information shared with response middleware. */
  routeInfo?: unknown
  /** The request's settings snapshot. */
  settings?: unknown
  /** Set once flushing started. */
  flushing?: Promise<void>
}

const storage = new AsyncLocalStorage<DeferScope>()

/** Creates a scope (used by the app per request). */
export function createScope(logger: Logger, runJob: DeferScope['runJob'], app?: unknown, settings?: unknown): DeferScope {
  return { closures: [], jobs: [], runJob, logger, warned: false, flushed: false, app, routeInfo: undefined, settings, flushing: undefined }
}

/** Runs `fn` with `scope` as the current defer scope. */
export function runInScope<T>(scope: DeferScope, fn: () => T): T {
  return storage.run(scope, fn)
}

/** The current request's scope, if any. */
export function currentScope(): DeferScope | undefined {
  return storage.getStore()
}

function later<T>(scope: DeferScope | undefined, run: () => T | Promise<T>, logger: Logger | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const pending: Pending<T> = { run, resolve, reject }
    if (scope && !scope.flushed) scope.closures.push(pending as Pending<unknown>)
    else setImmediate(() => runPending(pending as Pending<unknown>, logger, 'Deferred async closure failed'))
  })
}

async function runPending(p: Pending<unknown>, logger: Logger | undefined, label: string): Promise<void> {
  try {
    p.resolve(await p.run())
  } catch (err) {
    ;(logger ?? fallbackLogger).error(`${label}: ${err instanceof Error ? err.message : String(err)}`, { error: err })
    p.reject(err)
  }
}

const fallbackLogger: Logger = {
  info: (m) => process.stderr.write(`${m}\n`),
  warn: (m) => process.stderr.write(`${m}\n`),
  error: (m, c) => process.stderr.write(`${m}${c?.error instanceof Error && c.error.stack ? `\n${c.error.stack}` : ''}\n`),
}

/**
 * Runs `fn` after the current response has been sent, in this same process. Errors are logged.
 * Outside a request it runs on the next turn of the event loop.
 * @example
 * import { defer } from 'pionia/moonlight'
 * defer(() => logger.info('assignment email sent'))
 */
export function defer(fn: () => unknown): void {
  const scope = currentScope()
  later(scope, fn, scope?.logger).catch(() => {
    /* already logged by runPending */
  })
}

/**
 * Runs work after the response and returns a promise of its result:
 * `async(fn)` runs a closure; `async(service, action, payload?, switch?)` queues a Moonlight job
 * (rr jobs when configured; otherwise it runs synchronously after the response, with one warning).
 * @example
 * import { async } from 'pionia/moonlight'
 * async('mail', 'send_welcome', { email })
 */
export function async<T>(fn: () => T | Promise<T>): Promise<T>
export function async(service: string, action: string, payload?: Record<string, unknown>, switchName?: string): Promise<unknown>
export function async(a: string | (() => unknown), action?: string, payload: Record<string, unknown> = {}, switchName?: string): Promise<unknown> {
  const scope = currentScope()
  if (typeof a === 'function') return later(scope, a, scope?.logger)
  if (!action) return Promise.reject(new Error('async(service, action): the action name is missing'))
  const job: MoonlightJob = { service: a, action, payload, ...(switchName ? { switch: switchName } : {}) }
  if (!scope || scope.flushed) {
    return Promise.reject(new Error('async(service, action) needs a request scope: call it inside an action, or use moonlight().async()'))
  }
  return new Promise((resolve, reject) => {
    scope.jobs.push({ job, pending: { run: () => scope.runJob(job, scope), resolve, reject } })
  })
}

/** Runs everything the scope buffered: closures first, then jobs. Never throws; a second call joins the first. */
export function flushScope(scope: DeferScope): Promise<void> {
  scope.flushing ??= runInScope(scope, () => drain(scope))
  return scope.flushing
}

async function drain(scope: DeferScope): Promise<void> {
  while (scope.closures.length || scope.jobs.length) {
    const closures = scope.closures.splice(0)
    for (const c of closures) await runPending(c, scope.logger, 'Deferred async closure failed')
    const jobs = scope.jobs.splice(0)
    for (const j of jobs) await runPending(j.pending, scope.logger, 'Deferred Moonlight job failed')
  }
  scope.flushed = true
}
