/**
 * The Moonlight app: switches (API versions) → services → actions, served as `app.fetch(Request)`
 * (for rr's http worker, node:http or tests) and callable without HTTP through `app.dispatch()`
 * (jobs consumer, realtime frames).
 * @module
 */
import { Settings, isTruthy } from '../config/settings.js'
import { stderrLogger, type Logger } from './log.js'
import { response, isEnvelope, normalizeEnvelope, type Envelope } from './envelope.js'
import { HttpError, MethodNotAllowedError, NotFoundError } from './errors.js'
import { RequestData } from './data.js'
import type { FileBag, MoonlightRequest } from './context.js'
import { authenticate, type AuthBackend, type ContextUser } from './auth.js'
import { enforceAuth, resolveActionMeta, Service, type ServiceClass } from './service.js'
import { rules as checkRules } from './validation.js'
import { actionMethodName, snakeCase } from './names.js'
import { ExceptionPipeline, type ExceptionOptions } from './pipeline.js'
import { applies, type Middleware, type RouteInfo } from './middleware.js'
import { corsHeaders } from './cors.js'
import { bypasses, maintenancePage, maintenanceState, safeEqual, wantsJson } from './maintenance.js'
import { readRequestData } from './request-data.js'
import { JSON_TYPE, envelopeJson, makeResponse, statusFor } from './http-response.js'
import { createScope, currentScope, flushScope, runInScope, type DeferScope, type MoonlightJob } from './defer.js'
import { jobsGateOpen, type JobQueue } from './jobs-hook.js'
import { ConnectionManager } from './db/connection-manager.js'
import { SettingsSnapshot } from './settings-snapshot.js'
import type { Connection } from './db/connection.js'

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
  #db: ConnectionManager | undefined
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
    lastApp = this
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

  /** Runs the shutdown hooks, then closes the database connections (pass it to serve's onShutdown). */
  close = async (): Promise<void> => {
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
    if (!scope.closures.length && !scope.jobs.length) scope.flushed = true
    else setImmediate(() => void runInScope(scope, () => flushScope(scope)))
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
        ;({ text, status, headers } = await this.#route(request, scope))
      } catch (err) {
        const r = this.#pipeline.handle(err, this.settings, this.debug, { uri: request.url })
        text = envelopeJson(r.envelope)
        status = 500
        headers = { 'Content-Type': JSON_TYPE }
      }
      const pending = scope.closures.length > 0 || scope.jobs.length > 0
      if (!pending) scope.flushed = true
      res = makeResponse(text, status, headers, pending ? () => void runInScope(scope, () => flushScope(scope)) : undefined)
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

  async #route(request: Request, scope: DeferScope): Promise<{ text: string; status: number; headers: Record<string, string> }> {
    const url = new URL(request.url)
    const base = this.apiBase
    const json = (env: Envelope, status: number, extra: Record<string, string> = {}) => ({
      text: envelopeJson(env),
      status,
      headers: { 'Content-Type': JSON_TYPE, ...cors, ...extra },
    })
    let cors: Record<string, string> = {}

    // 1. maintenance gate, before anything else (preflights included)
    const m = maintenanceState(this.settings)
    if (!bypasses(m, url, request)) {
      const extra: Record<string, string> = m.retryAfter ? { 'Retry-After': m.retryAfter } : {}
      if (wantsJson(url, request, base)) return json(response(m.code, m.message), m.code, extra)
      return { text: maintenancePage(m, this.name), status: m.code, headers: { 'Content-Type': 'text/html; charset=UTF-8', ...extra } }
    }

    // 2. CORS: headers on every response; preflight answered here
    cors = corsHeaders(this.settings, request.headers.get('origin'))
    if (request.method === 'OPTIONS') return { text: '', status: 204, headers: cors }
    // HTTPS_ONLY: plain-HTTP traffic gets a 403 envelope (behind a proxy, X-Forwarded-Proto counts).
    if (isTruthy(this.settings.env('HTTPS_ONLY') ?? this.settings.get('server', 'HTTPS_ONLY')) && url.protocol !== 'https:' &&
      request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim() !== 'https') {
      return json(response(403, 'Only HTTPS connections are allowed'), this.classicStatus ? 200 : 403)
    }

    // 3. route
    const path = url.pathname
    const rest = path === base.slice(0, -1) ? '' : path.startsWith(base) ? path.slice(base.length) : null
    const segs = rest === null ? null : rest.split('/').filter(Boolean)
    const info: RouteInfo = { request, url, attributes: new Map() }
    scope.routeInfo = info
    const method = request.method === 'HEAD' ? 'GET' : request.method

    const early = async (service?: string): Promise<Response | void> => {
      for (const mw of this.#middleware) {
        if (!mw.onRequest || !applies(mw, service)) continue
        const r = await mw.onRequest(info)
        if (r) return r
      }
    }
    const fromResponse = async (r: Response) => ({
      text: await r.text(),
      status: r.status,
      headers: { ...cors, ...Object.fromEntries(r.headers) },
    })

    const version = segs?.[0]
    if (!segs || !version || !this.#switches.has(version)) {
      const pre = await early()
      if (pre) return fromResponse(pre)
      return this.#notFound(url, request, base, cors)
    }
    const classic = this.classicStatus
    const kind = segs.length === 1 ? 'root' : segs.length === 2 && segs[1] === 'ping' ? 'ping'
      : segs.length === 2 && segs[1] === '__catalog' ? 'catalog' : segs.length === 3 ? 'get' : null
    if (!kind) {
      const pre = await early()
      if (pre) return fromResponse(pre)
      return this.#notFound(url, request, base, cors)
    }
    const allowed = kind === 'root' ? ['GET', 'POST'] : ['GET']
    if (!allowed.includes(method)) {
      const e = new MethodNotAllowedError(allowed)
      return json(response(e.code, e.message), 405, e.headers)
    }
    if (kind === 'ping') {
      const pre = await early()
      if (pre) return fromResponse(pre)
      const data = this.debug ? { app: this.name, nv: process.version, fv: PIONIA_VERSION, port: url.port, uri: url.pathname, schema: url.protocol.replace(':', '') } : null
      return json(response(0, 'pong', data), 200)
    }
    if (kind === 'catalog') {
      if (!this.#docsAllowed(url, request)) return this.#notFound(url, request, base, cors)
      return json(response(0, 'Catalog', this.catalog(version)), 200)
    }
    if (kind === 'root' && method === 'GET') {
      const pre = await early()
      if (pre) return fromResponse(pre)
      const accept = request.headers.get('accept') ?? ''
      if (accept.includes('text/html') && !accept.includes('json')) {
        return { text: overviewPage(this.name, base, version, Object.keys(this.services(version))), status: 200, headers: { 'Content-Type': 'text/html; charset=UTF-8', ...cors } }
      }
      return json(response(0, 'Moonlight API', {
        version,
        dispatch: { method: 'POST', path: `${base}${version}`, body: { service: '<alias>', action: '<action>' } },
        ping: `${base}${version}/ping`,
        docs: null,
      }), 200)
    }

    // 4. a service call: POST /api/v1 (service/action in the body) or GET /api/v1/{service}/{action}
    let envelope: Envelope
    let extraHeaders: Record<string, string> = {}
    try {
      const { data, files } = await readRequestData(request, url)
      const service = kind === 'get' ? segs[1]! : data.service
      const action = kind === 'get' ? segs[2]! : data.action
      if (kind === 'get') {
        data.service = service
        data.action = action
      }
      const svc = typeof service === 'string' ? service : undefined
      info.service = svc
      info.action = typeof action === 'string' ? action : undefined
      const pre = await early(svc)
      if (pre) return fromResponse(pre)
      const user = await authenticate(this.#auth, { request, service: svc, action: typeof action === 'string' ? action : undefined, settings: this.settings },
        (err, name) => this.#pipeline.report(err, this.settings, { backend: name }))
      envelope = await this.#dispatch({ service: service as string, action: action as string, data, files, switch: version, auth: user, request }, (call) => {
        info.call = call
      })
    } catch (err) {
      const r = this.#pipeline.handle(err, this.settings, this.debug, { uri: url.pathname })
      envelope = r.envelope
      extraHeaders = r.headers
    }
    return json(envelope, statusFor(envelope.returnCode, classic), extraHeaders)
  }

  #notFound(url: URL, request: Request, base: string, cors: Record<string, string>) {
    const code = Number(this.settings.get('server', 'NOT_FOUND_CODE') ?? 404) || 404
    const message = `Route ${url.pathname} not found`
    if (wantsJson(url, request, base)) {
      return { text: envelopeJson(response(code, message)), status: 404, headers: { 'Content-Type': JSON_TYPE, ...cors } }
    }
    return { text: `<!doctype html><title>404</title><h1>Not found</h1><p>${message.replace(/[<>&]/g, '')}</p>`, status: 404, headers: { 'Content-Type': 'text/html; charset=UTF-8', ...cors } }
  }

  /** The catalog is shown in debug or with DOCS_ENABLED; DOCS_TOKEN, when set, must match `?token=` or `X-Docs-Token`. */
  #docsAllowed(url: URL, request: Request): boolean {
    if (!this.debug && !isTruthy(this.settings.env('DOCS_ENABLED') ?? this.settings.get('docs', 'ENABLED'))) return false
    const token = this.settings.env('DOCS_TOKEN') ?? this.settings.get('docs', 'TOKEN')
    if (!token) return true
    const given = request.headers.get('x-docs-token') ?? url.searchParams.get('token')
    return given !== null && safeEqual(given, token)
  }

  /** Services and actions of a switch, with their auth and rules (what `__catalog` shows). */
  catalog(version = this.defaultSwitch): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const [alias, cls] of Object.entries(this.services(version))) {
      const actions: Record<string, unknown>[] = []
      const seen = new Set<string>()
      for (let proto = cls.prototype; proto && proto !== Service.prototype; proto = Object.getPrototypeOf(proto)) {
        for (const name of Object.getOwnPropertyNames(proto)) {
          if (!name.endsWith('Action') || seen.has(name)) continue
          seen.add(name)
          const meta = resolveActionMeta(cls, name)
          const summary = Object.entries(cls.actions ?? {}).find(([k]) => actionMethodName(k) === name)?.[1].summary ?? null
          actions.push({ name: snakeCase(name), method: name, auth: meta.auth, rules: meta.rules ?? null, summary })
        }
      }
      out[alias] = { description: cls.description ?? null, actions }
    }
    return { version, services: out }
  }
}

/** The overview for browsers: how to call the API, and its services. */
function overviewPage(app: string, base: string, version: string, services: string[]): string {
  const esc = (t: string) => t.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(app)} API ${esc(version)}</title></head>` +
    `<body style="font-family:system-ui;max-width:44rem;margin:3rem auto"><h1>${esc(app)}: Moonlight API ${esc(version)}</h1>` +
    `<p>POST a JSON object to <code>${esc(base + version)}</code> with <code>service</code>, <code>action</code> and the action's fields, ` +
    `e.g. <code>{"service":"${esc(services[0] ?? 'task')}","action":"list"}</code>. Health check: <code>GET ${esc(`${base}${version}/ping`)}</code>.</p>` +
    `<p>Services: ${services.map((s) => `<code>${esc(s)}</code>`).join(', ') || 'none yet'}.</p></body></html>`
}

/** Package version shown in debug ping. */
const PIONIA_VERSION = '0.1.0'

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

export { HttpError }
