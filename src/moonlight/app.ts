/**
 * The Moonlight app: switches (API versions) → services → actions, served as `app.fetch(Request)`
 * (for rr's http worker, node:http or tests) and callable without HTTP through `app.dispatch()`
 * (jobs consumer, realtime frames).
 * @module
 */
import { Settings, isTruthy } from '../config/settings.js'
import { stderrLogger, type Logger } from './log.js'
import { response, isEnvelope, normalizeEnvelope, type Envelope } from './envelope.js'
import { NotFoundError } from './errors.js'
import { RequestData } from './data.js'
import type { FileBag, MoonlightRequest } from './context.js'
import type { AuthBackend, ContextUser } from './auth.js'
import { enforceAuth, resolveActionMeta, Service, type ServiceClass } from './service.js'
import { rules as checkRules } from './validation.js'
import { actionMethodName } from './names.js'
import { ExceptionPipeline, type ExceptionOptions } from './pipeline.js'
import { applies, type Middleware, type RouteInfo } from './middleware.js'
import { JSON_TYPE, envelopeJson, makeResponse } from './http-response.js'
import { catalogOf, routeHttp, type HttpFront } from './http-front.js'
import { createScope, currentScope, flushScope, runInScope, type DeferScope, type MoonlightJob } from './defer.js'
import { jobsGateOpen, type JobQueue } from './jobs-hook.js'
import { ConnectionManager } from './db/connection-manager.js'
import { SettingsSnapshot } from './settings-snapshot.js'
import type { Connection } from './db/connection.js'
import { startupChecks } from './startup-checks.js'

/** Services of one switch: alias → class. */
export type SwitchMap = Record<string, ServiceClass>

/** Options of `createApp`. */
export interface AppOptions {
  /** Project root holding `environment/` (default: the current directory; rr starts workers there). */
  root?: string
  /** Settings instance to use (default: `new Settings(root)`). */
  settings?: Settings
  /** App name (default: env APP_NAME, else `pionia`); used in logs and pages. */
  name?: string
  /** Switches: version → services. More can be added with `app.switch()`. */
  switches?: Record<string, SwitchMap>
  /** Auth backends, tried in order. */
  auth?: AuthBackend[]
  middleware?: Middleware[]
  exceptions?: ExceptionOptions
  logger?: Logger
  /** Force debug on/off (default: env DEBUG or APP_DEBUG). */
  debug?: boolean
  /** Runs once per physical database open (create the schema if missing, seed, …). */
  onDatabaseOpen?: (conn: Connection) => Promise<void> | void
}

/** A call without HTTP: what jobs and realtime frames carry. */
export interface DispatchCall {
  service: string
  action: string
  /** The action's data (flat fields, as in an HTTP body). */
  data?: Record<string, unknown>
  /** API version (default: the first registered switch). */
  switch?: string
  /** The caller, if already authenticated (frames); null: anonymous. */
  auth?: ContextUser | null
  files?: FileBag
  /** The original request, if any (default: a synthetic POST to the switch path). */
  request?: Request
}

let lastApp: Moonlight | undefined

/** The app of the current request, else the last one created. */
export function moonlight(): Moonlight {
  const app = currentScope()?.app as Moonlight | undefined
  if (app) return app
  if (!lastApp) throw new Error('No Moonlight app exists yet: call createApp() before moonlight()')
  return lastApp
}

/** See the module doc; create with `createApp()`. */
export class Moonlight {
  readonly #base: Settings
  readonly logger: Logger
  readonly name: string
  readonly #switches = new Map<string, SwitchMap>()
  readonly #auth: AuthBackend[]
  readonly #middleware: Middleware[]
  readonly #pipeline: ExceptionPipeline
  readonly #debug: boolean | undefined
  readonly #shutdown: (() => unknown)[] = []
  #queue: JobQueue | null = null
  /** What the HTTP front needs of the app (its private parts included). */
  readonly #front: HttpFront
  #db: ConnectionManager | undefined
  /** Scopes whose response has not been drained yet (their work runs at the latest on close()). */
  readonly #pending = new Set<DeferScope>()
  readonly #flushing = new Set<Promise<void>>()
  readonly #onDatabaseOpen: AppOptions['onDatabaseOpen']

  constructor(options: AppOptions = {}) {
    this.#base = options.settings ?? new Settings(options.root ?? process.cwd())
    this.name = options.name ?? this.#base.env('APP_NAME') ?? 'pionia'
    const hide = this.#base.get('logging', 'HIDE_IN_LOGS')
    this.logger = options.logger ?? stderrLogger(this.name, hide !== undefined ? hide.split(',') : undefined)
    this.#auth = options.auth ?? []
    this.#middleware = options.middleware ?? []
    this.#pipeline = new ExceptionPipeline(options.exceptions ?? {}, this.logger)
    this.#debug = options.debug
    this.#onDatabaseOpen = options.onDatabaseOpen
    for (const [v, services] of Object.entries(options.switches ?? {})) this.switch(v, services)
    this.#front = {
      app: this,
      middleware: this.#middleware,
      auth: this.#auth,
      pipeline: this.#pipeline,
      hasSwitch: (v) => this.#switches.has(v),
      dispatch: (call, onCall) => this.#dispatch(call, onCall),
    }
    lastApp = this
    startupChecks(this.#base, this.debug, this.logger)
  }

  /**
   * The project settings. Inside a request (or dispatch) this is the request's snapshot: read once
   * when the request started, so a dozen lookups cost two stats, and a change applies from the next
   * request on.
   */
  get settings(): Settings {
    return (currentScope()?.settings as Settings | undefined) ?? this.#base
  }

  /** Registers (or extends) a switch. The version is lower-cased and stripped to `[a-z0-9_]`. */
  switch(version: string, services: SwitchMap): this {
    const v = version.toLowerCase().replace(/[^a-z0-9_]/g, '')
    if (!v) throw new Error(`Invalid switch version "${version}": use letters, digits or _ (e.g. v1)`)
    for (const [alias, cls] of Object.entries(services)) {
      if (typeof cls !== 'function' || !(cls.prototype instanceof Service)) {
        throw new Error(`Service "${alias}" of switch ${v} must be a class extending Service`)
      }
    }
    this.#switches.set(v, { ...(this.#switches.get(v) ?? {}), ...services })
    return this
  }

  /** Registered versions, in registration order. */
  switches(): string[] {
    return [...this.#switches.keys()]
  }

  /** The default version: the first registered, else `v1`. */
  get defaultSwitch(): string {
    return this.switches()[0] ?? 'v1'
  }

  /** Services of a switch; without one, the merged map of all switches (later ones win). */
  services(version?: string): SwitchMap {
    if (version) return { ...(this.#switches.get(version) ?? {}) }
    return Object.assign({}, ...this.#switches.values()) as SwitchMap
  }

  /** True when DEBUG/APP_DEBUG is on (read per call: .env changes apply without restart). */
  get debug(): boolean {
    return this.#debug ?? isTruthy(this.settings.env('DEBUG') ?? this.settings.env('APP_DEBUG'))
  }

  /** The API base path, `/api/` unless API_BASE says otherwise. */
  get apiBase(): string {
    const b = this.settings.env('API_BASE') ?? '/api/'
    return `/${b.replace(/^\/+|\/+$/g, '')}/`.replace('//', '/')
  }

  /** `[server] HTTP_STATUS = classic`: every envelope is sent with HTTP 200, as the PHP code does. */
  get classicStatus(): boolean {
    return (this.settings.get('server', 'HTTP_STATUS') ?? this.settings.env('HTTP_STATUS') ?? '').toLowerCase() === 'classic'
  }

  /** Installs the rr jobs queue used by `async()`/`moonlight().async()` (the jobs layer calls this). */
  useJobQueue(queue: JobQueue | null): this {
    this.#queue = queue
    return this
  }

  /** The app's connection pool (`[db]`, `[db_<name>]`), created on first use; closed by `close()`. */
  get db(): ConnectionManager {
    return (this.#db ??= new ConnectionManager(this.#base, { onOpen: this.#onDatabaseOpen }))
  }

  /** Registers a hook for worker shutdown (e.g. `db.disconnect()`). */
  onShutdown(fn: () => unknown): this {
    this.#shutdown.push(fn)
    return this
  }

  /**
   * Runs pending deferred work, then the shutdown hooks, then closes the database connections
   * (pass it to serve's onShutdown).
   */
  close = async (): Promise<void> => {
    // Deferred work of answered requests still runs (and is waited for) before anything closes.
    for (const scope of [...this.#pending]) void this.#flush(scope)
    await Promise.all([...this.#flushing])
    for (const fn of this.#shutdown.splice(0)) {
      try {
        await fn()
      } catch (err) {
        this.logger.error(`shutdown hook failed: ${err instanceof Error ? err.message : String(err)}`)
      }
    }
    await this.#db?.disconnect()
  }

  /** Reports and renders an error as an envelope (for adapters that catch errors themselves). */
  renderError(err: unknown): Envelope {
    return this.#pipeline.handle(err, this.settings, this.debug).envelope
  }

  // --- dispatch -------------------------------------------------------------------------------

  /**
   * Runs one action and returns its envelope. Errors propagate (as in Pionia's dispatch): the jobs
   * consumer requeues on a throw; use `handle()` to get errors rendered as envelopes instead.
   */
  async dispatch(call: DispatchCall): Promise<Envelope> {
    const outer = currentScope()
    if (outer?.app === this) return this.#dispatch(call)
    const scope = this.#scope()
    try {
      return await runInScope(scope, () => this.#dispatch(call))
    } finally {
      this.#afterWork(scope)
    }
  }

  /** Like dispatch, but errors come back as envelopes through the exception pipeline. */
  async handle(call: DispatchCall): Promise<Envelope> {
    try {
      return await this.dispatch(call)
    } catch (err) {
      return this.#pipeline.handle(err, this.settings, this.debug, { service: call.service, action: call.action }).envelope
    }
  }

  /**
   * Queues `service.action` on rr's jobs (202 "Accepted" `{job_id}`). Without a queue (dev server,
   * jobs disabled, push failed) the call runs after the current response with one warning per
   * request and 202 `{job_id: null}` comes back; outside a request it runs synchronously now.
   */
  async async(service: string, action: string, payload: Record<string, unknown> = {}, switchName?: string): Promise<Envelope> {
    const { service: _s, action: _a, switch: _w, ...rest } = payload
    const job: MoonlightJob = { service, action, payload: rest, switch: switchName ?? this.defaultSwitch }
    this.logger.info('Moonlight job dispatch', { ...job })
    const id = await this.#push(job)
    if (id !== null) return response(202, 'Accepted', { job_id: id })
    const scope = currentScope()
    if (scope && !scope.flushed) {
      this.#warnOnce(scope)
      scope.jobs.push({
        job,
        pending: { run: () => this.dispatch(this.#jobCall(job)), resolve: () => {}, reject: () => {} },
      })
      return response(202, 'Accepted', { job_id: null, queued: false })
    }
    return this.dispatch(this.#jobCall(job))
  }

  #jobCall(job: MoonlightJob): DispatchCall {
    return { service: job.service, action: job.action, data: job.payload, switch: job.switch ?? this.defaultSwitch }
  }

  /** Pushes to the queue when the gate is open; null means "run it here instead". */
  async #push(job: MoonlightJob): Promise<string | null> {
    if (!this.#queue || !jobsGateOpen(this.settings)) return null
    try {
      return await this.#queue.push(job)
    } catch (err) {
      this.logger.warn(`Moonlight job queue unavailable: ${err instanceof Error ? err.message : String(err)}`)
      return null
    }
  }

  #warnOnce(scope: DeferScope): void {
    if (scope.warned) return
    scope.warned = true
    this.logger.warn('Moonlight job queue unavailable, running synchronously after response')
  }

  #scope(): DeferScope {
    const scope = createScope(this.logger, async (job, s) => {
      const id = await this.#push(job)
      if (id !== null) return { jobId: id, queued: true }
      this.#warnOnce(s)
      return this.dispatch(this.#jobCall(job))
    })
    scope.app = this
    scope.settings = new SettingsSnapshot(this.#base)
    return scope
  }

  /** Flushes the scope on a later turn, or marks it done when nothing is pending. */
  #afterWork(scope: DeferScope): void {
    if (!scope.closures.length && !scope.jobs.length) {
      scope.flushed = true
      return
    }
    this.#pending.add(scope)
    setImmediate(() => void this.#flush(scope))
  }

  /** Flushes a scope, tracked so that close() can wait for it. */
  #flush(scope: DeferScope): Promise<void> {
    this.#pending.delete(scope)
    const p = flushScope(scope)
    this.#flushing.add(p)
    void p.finally(() => this.#flushing.delete(p))
    return p
  }

  async #dispatch(call: DispatchCall, onCall?: (request: MoonlightRequest) => void): Promise<Envelope> {
    const version = call.switch ?? this.defaultSwitch
    const services = this.#switches.get(version)
    if (!services) throw new NotFoundError(`API version ${version} is not registered: use one of ${this.switches().join(', ') || '(none)'}`)
    if (!call.service || typeof call.service !== 'string') throw new NotFoundError('Service not defined in request data')
    if (!call.action || typeof call.action !== 'string') throw new NotFoundError('Action not defined in request data')
    const cls = Object.prototype.hasOwnProperty.call(services, call.service) ? services[call.service] : undefined
    if (!cls) throw new NotFoundError(`Service ${call.service} not found in API ${version}`)
    const method = actionMethodName(call.action)
    if ((cls.deactivatedActions ?? []).some((a) => actionMethodName(a) === method)) {
      throw new Error(`Action ${call.action} is currently deactivated.`)
    }
    const instance = new cls() as Service & Record<string, unknown>
    const fn = instance[method]
    if (typeof fn !== 'function' || !method.endsWith('Action') || method in Service.prototype) {
      throw new NotFoundError(`Action ${method} not found in the ${call.service} context`)
    }
    const data = new RequestData(call.data ?? {})
    const files = call.files ?? {}
    const mreq: MoonlightRequest = {
      request: call.request ?? new Request(`http://localhost${this.apiBase}${version}`, { method: 'POST' }),
      switch: version,
      service: call.service,
      action: call.action,
      data,
      files,
      user: call.auth ?? null,
      settings: this.settings,
      attributes: new Map(),
      app: this,
    }
    instance.request = mreq
    onCall?.(mreq)
    const meta = resolveActionMeta(cls, call.action)
    enforceAuth(instance, meta.auth)
    if (meta.rules) checkRules(data, meta.rules)
    const result = await (fn as (...a: unknown[]) => unknown).call(instance, data, files, mreq)
    if (!isEnvelope(result)) {
      throw new Error(`${cls.name}.${method} did not return an envelope: return response(code, message, data) from every action`)
    }
    return normalizeEnvelope(result)
  }

  // --- HTTP -----------------------------------------------------------------------------------

  /**
   * Serves one HTTP request. Never throws: every failure becomes an envelope or an error page.
   * @example
   * const res = await app.fetch(new Request('http://localhost/api/v1/ping'))
   */
  fetch = async (request: Request): Promise<Response> => {
    const scope = this.#scope()
    return runInScope(scope, async () => {
      let res: Response
      let text: string
      let status: number
      let headers: Record<string, string>
      try {
        ;({ text, status, headers } = await routeHttp(this.#front, request, scope))
      } catch (err) {
        const r = this.#pipeline.handle(err, this.settings, this.debug, { uri: request.url })
        text = envelopeJson(r.envelope)
        status = 500
        headers = { 'Content-Type': JSON_TYPE }
      }
      const pending = scope.closures.length > 0 || scope.jobs.length > 0
      if (!pending) scope.flushed = true
      if (pending) this.#pending.add(scope)
      res = makeResponse(text, status, headers, pending ? () => void this.#flush(scope) : undefined)
      const info = scope.routeInfo as RouteInfo | undefined
      if (info) {
        for (const m of this.#middleware) {
          if (!m.onResponse || !applies(m, info.service)) continue
          try {
            res = (await m.onResponse(res, info)) ?? res
          } catch (err) {
            this.#pipeline.report(err, this.settings, { middleware: m.name ?? 'middleware' })
          }
        }
      }
      return res
    })
  }

  /** Services and actions of a switch, with their auth and rules (what `__catalog` shows). */
  catalog(version = this.defaultSwitch): Record<string, unknown> {
    return catalogOf(this.services(version), version)
  }
}

/**
 * Creates a Moonlight app.
 * @example
 * import { createApp, jwtAuthentication } from 'pionia/moonlight'
 * import { TaskService } from './services/task.js'
 * export const app = createApp({ switches: { v1: { task: TaskService } }, auth: [jwtAuthentication()] })
 * // rr: serve({ http: app }); tests: await app.fetch(new Request('http://localhost/api/v1/ping'))
 */
export function createApp(options: AppOptions = {}): Moonlight {
  return new Moonlight(options)
}

