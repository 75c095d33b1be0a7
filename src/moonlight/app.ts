/**
 * The Moonlight façade: holds the registry (switches → services → actions) and wires the stages,
 * HTTP front → call resolution → action invocation → envelope → HTTP response. Served as
 * `app.fetch(Request)` (rr's http worker, node:http, tests) and callable without HTTP through
 * `app.dispatch()` (jobs consumer, realtime frames), which enters at call resolution. No stage
 * imports this file: they see the app as `MoonlightApp` (core/context.ts).
 * @module
 */
import { Settings } from '../config/settings.js'
import { stderrLogger, type Logger } from './core/log.js'
import { response, type Envelope } from './core/envelope.js'
import type { DispatchCall, MoonlightApp } from './core/context.js'
import { currentApp, registerApp } from './core/current.js'
import { createScope, currentScope, flushScope, runInScope, type DeferScope, type JobQueue, type MoonlightJob } from './core/defer.js'
import { ExceptionPipeline, type ExceptionOptions } from './core/exceptions.js'
import type { AuthBackend } from './auth/backends.js'
import { catalogOf, openapiOf, runCall, SwitchRegistry, type CallEnv, type SwitchMap } from './dispatch/index.js'
import { httpFront, maintenanceState, type Middleware } from './http/index.js'
import { LiveSettings, apiBaseOf, classicStatusOf, debugFlag, jobsGateOpen } from './settings/index.js'
import { ConnectionManager } from './db/connection-manager.js'
import type { Connection } from './db/connection.js'
import { messageOf } from '../util/describe.js'
import { startupChecks } from './auth/startup-checks.js'

export type { DispatchCall } from './core/context.js'

/** dispatch() hooks for a call that asks for the auth chain (`authenticate: true`). */
const AUTHENTICATE = { authenticate: true } as const
export type { SwitchMap } from './dispatch/index.js'

/** Switches as declared: version → services (kept literal so `pionia/client` can read them). */
export type Switches = Record<string, SwitchMap>

/** Options of `createApp`. */
export interface AppOptions<S extends Switches = Switches> {
  /** Project root holding `environment/` (default: the current directory; rr starts workers there). */
  root?: string
  /** Settings instance to use (default: `new Settings(root)`). */
  settings?: Settings
  /** App name (default: env APP_NAME, else `pionia`); used in logs and pages. */
  name?: string
  /** Switches: version → services. More can be added with `app.switch()`. */
  switches?: S
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

/** The app of the current request, else the last one created. */
export function moonlight(): Moonlight {
  return currentApp() as Moonlight
}

/**
 * See the module doc; create with `createApp()`. `S` is the switches as declared (type only): it is
 * what `createClient<typeof app>()` (pionia/client) reads the services, actions and rules from.
 */
export class Moonlight<S extends Switches = Switches> implements MoonlightApp {
  /** Type only, never set: the declared switches, for `pionia/client`'s types. */
  declare readonly '~switches': S
  readonly #base: Settings
  readonly #live: LiveSettings
  readonly logger: Logger
  readonly name: string
  readonly #registry = new SwitchRegistry()
  readonly #pipeline: ExceptionPipeline
  readonly #debug: boolean | undefined
  readonly #shutdown: (() => unknown)[] = []
  readonly #calls: CallEnv
  #queue: JobQueue | null = null
  #db: ConnectionManager | undefined
  /** Scopes whose response has not been drained yet (their work runs at the latest on close()). */
  readonly #pending = new Set<DeferScope>()
  readonly #flushing = new Set<Promise<void>>()
  readonly #onDatabaseOpen: AppOptions['onDatabaseOpen']

  constructor(options: AppOptions<S> = {}) {
    this.#base = options.settings ?? new Settings(options.root ?? process.cwd())
    this.#live = new LiveSettings(this.#base)
    this.name = options.name ?? this.#base.env('APP_NAME') ?? 'pionia'
    const hide = this.#base.get('logging', 'HIDE_IN_LOGS')
    this.logger = options.logger ?? stderrLogger(this.name, hide !== undefined ? hide.split(',') : undefined)
    this.#pipeline = new ExceptionPipeline(options.exceptions ?? {}, this.logger)
    this.#debug = options.debug
    this.#onDatabaseOpen = options.onDatabaseOpen
    for (const [v, services] of Object.entries(options.switches ?? {})) this.switch(v, services)
    this.#calls = {
      registry: this.#registry,
      app: this,
      auth: options.auth ?? [],
      report: (err, context) => this.#pipeline.report(err, this.settings, context),
    }
    this.fetch = httpFront({
      app: this,
      registry: this.#registry,
      calls: this.#calls,
      middleware: options.middleware ?? [],
      pipeline: this.#pipeline,
      openScope: () => this.#scope(),
      settleScope: (scope) => this.#settle(scope),
    })
    registerApp(this)
    startupChecks(this.#base, this.debug, this.logger)
  }

  /**
   * Serves one HTTP request. Never throws: every failure becomes an envelope or an error page.
   * @example
   * const res = await app.fetch(new Request('http://localhost/api/v1/ping'))
   */
  readonly fetch: (request: Request) => Promise<Response>

  /**
   * The project settings. Inside a request (or dispatch) this is the request's snapshot, taken when
   * the request started (at most one stat of settings.ini; none in an rr worker, which watches the
   * file: see LiveSettings), so a change to settings.ini applies from the next request on, one to
   * environment/.env or the process environment within a second.
   */
  get settings(): Settings {
    return (currentScope()?.settings as Settings | undefined) ?? this.#base
  }

  /** Registers (or extends) a switch. The version is lower-cased and stripped to `[a-z0-9_]`. */
  switch(version: string, services: SwitchMap): this {
    this.#registry.add(version, services)
    return this
  }

  /** Registered versions, in registration order. */
  switches(): string[] {
    return this.#registry.versions()
  }

  /** The default version: the first registered, else `v1`. */
  get defaultSwitch(): string {
    return this.#registry.defaultVersion
  }

  /** Services of a switch; without one, the merged map of all switches (later ones win). */
  services(version?: string): SwitchMap {
    return this.#registry.services(version)
  }

  /** True when DEBUG/APP_DEBUG is on (read per call: .env changes apply without restart). */
  get debug(): boolean {
    return debugFlag(this.settings, this.#debug)
  }

  /** The API base path, `/api/` unless API_BASE says otherwise. */
  get apiBase(): string {
    return apiBaseOf(this.settings)
  }

  /** `[server] HTTP_STATUS = classic`: every envelope is sent with HTTP 200, as the PHP code does. */
  get classicStatus(): boolean {
    return classicStatusOf(this.settings)
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
        this.logger.error(`shutdown hook failed: ${messageOf(err)}`)
      }
    }
    await this.#db?.disconnect()
    this.#live.close()
  }

  /** Reports and renders an error as an envelope (for adapters that catch errors themselves). */
  renderError(err: unknown): Envelope {
    return this.#pipeline.handle(err, this.settings, this.debug).envelope
  }

  /** Services and actions of a switch, with their auth and rules (what `__catalog` shows). */
  catalog(version = this.defaultSwitch): Record<string, unknown> {
    return catalogOf(this.services(version), version)
  }

  /**
   * The OpenAPI 3.1 document of every switch, service and action (what `__openapi.json` and
   * `npx pionia openapi` give): request schemas from the rules, auth, the envelope, the error codes.
   */
  openapi(options: { servers?: string[]; version?: string } = {}): Record<string, unknown> {
    const s = this.settings
    const code = (key: string, fallback: number): number => {
      const v = Number(s.get('server', key) ?? s.env(key) ?? fallback)
      return Number.isInteger(v) ? v : fallback
    }
    return openapiOf({
      title: this.name,
      version: options.version ?? s.env('APP_VERSION') ?? '1.0.0',
      apiBase: this.apiBase,
      switches: this.switches().map((v) => [v, this.services(v)]),
      servers: options.servers,
      codes: {
        unauthenticated: code('UNAUTHENTICATED_CODE', 401),
        unauthorized: code('UNAUTHORIZED_CODE', 403),
        notFound: code('NOT_FOUND_CODE', 404),
        validation: 422,
        serverError: code('SERVER_ERROR_CODE', 500),
        maintenance: maintenanceState(s).code,
      },
    })
  }

  // --- calls without HTTP: they enter at call resolution ---------------------------------------

  /**
   * Runs one action and returns its envelope. Errors propagate (as in Pionia's dispatch): the jobs
   * consumer requeues on a throw; use `handle()` to get errors rendered as envelopes instead.
   */
  async dispatch(call: DispatchCall): Promise<Envelope> {
    const hooks = call.authenticate ? AUTHENTICATE : undefined
    const outer = currentScope()
    if (outer?.app === this) return runCall(this.#calls, call, hooks)
    const scope = this.#scope()
    try {
      return await runInScope(scope, () => runCall(this.#calls, call, hooks))
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
   * Queues `service.action` on rr's jobs: 202 "Accepted" `{job_id}` once rr took the push. Without a
   * queue (dev server, `[jobs]` off, rr stopped, no jobs plugin) the action runs now, in this process,
   * and its own envelope is the answer (Pionia's contract: a 202 only when the queue accepted the
   * job); a failed push logs one warning naming the reason.
   */
  async async(service: string, action: string, payload: Record<string, unknown> = {}, switchName?: string): Promise<Envelope> {
    const { service: _s, action: _a, switch: _w, ...rest } = payload
    const job: MoonlightJob = { service, action, payload: rest, switch: switchName ?? this.defaultSwitch }
    this.logger.info('Moonlight job dispatch', { ...job })
    const id = await this.#push(job)
    if (id !== null) return response(202, 'Accepted', { job_id: id })
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
      this.logger.warn(`Moonlight job queue unavailable: ${messageOf(err)}`)
      return null
    }
  }

  #warnOnce(scope: DeferScope): void {
    if (scope.warned) return
    scope.warned = true
    this.logger.warn('Moonlight job queue unavailable, running synchronously after response')
  }

  // --- request scopes (deferred work) ----------------------------------------------------------

  #scope(): DeferScope {
    return createScope(this.logger, this.#runJob, this, this.#live.current())
  }

  /** A string-form `async(service, action)` at flush time: the queue, else here (with the warning). */
  readonly #runJob = async (job: MoonlightJob, s: DeferScope): Promise<unknown> => {
    const id = await this.#push(job)
    if (id !== null) return { jobId: id, queued: true }
    this.#warnOnce(s)
    return this.dispatch(this.#jobCall(job))
  }

  /** After an HTTP answer: the flush to run once the body was sent, or undefined when nothing is pending. */
  #settle(scope: DeferScope): (() => void) | undefined {
    if (!scope.closures.length && !scope.jobs.length) {
      scope.flushed = true
      return undefined
    }
    this.#pending.add(scope)
    return () => void this.#flush(scope)
  }

  /** Flushes the scope on a later turn, or marks it done when nothing is pending. */
  #afterWork(scope: DeferScope): void {
    const flush = this.#settle(scope)
    if (flush) setImmediate(flush)
  }

  /** Flushes a scope, tracked so that close() can wait for it. */
  #flush(scope: DeferScope): Promise<void> {
    this.#pending.delete(scope)
    const p = flushScope(scope)
    this.#flushing.add(p)
    void p.finally(() => this.#flushing.delete(p))
    return p
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
export function createApp<S extends Switches = Switches>(options: AppOptions<S> = {}): Moonlight<S> {
  return new Moonlight<S>(options)
}
