/**
 * The HTTP front, the first stage of a Moonlight request, in pipeline order: maintenance gate, CORS
 * (preflight, headers), HTTPS_ONLY, route match, request middleware, body and form reading, then the
 * call (resolution + invocation, below), the envelope → Response, and the response middleware.
 * Every status comes from the one table in status.ts. A middleware's early Response goes out as it
 * is (only the CORS headers it lacks are added).
 * @module
 */
import { isTruthy } from '../../config/settings.js'
import type { DispatchCall, MoonlightApp } from '../core/context.js'
import { runInScope, type DeferScope } from '../core/defer.js'
import { response, type Envelope } from '../core/envelope.js'
import { MethodNotAllowedError } from '../core/errors.js'
import type { ExceptionPipeline } from '../core/exceptions.js'
import { runCall, runCallInto, type CallEnv, type CallHooks, type CallSink, type SwitchRegistry } from '../dispatch/index.js'
import { corsFor } from './cors.js'
import { derived } from '../settings/snapshot.js'
import type { Settings } from '../../config/settings.js'
import { bypasses, maintenanceOn, maintenancePage, maintenanceState, safeEqual, wantsJson } from './maintenance.js'
import { applies, type Middleware, type RouteInfo } from './middleware.js'
import { readRequestDataNow, type RequestDataResult } from './request-data.js'
import { urlParts, type UrlParts } from './url-parts.js'
import { headerOf } from '../../http/request.js'
import { JSON_TYPE, envelopeJson, makeResponse, type Answer } from './response.js'
import { httpStatus, type Outcome } from './status.js'
import { allowedMethods, routeOf } from './routes.js'
import { HTML_TYPE, notFoundPage, overviewPage } from './pages.js'

/** Package version shown in the debug ping. */
const PIONIA_VERSION = '0.1.0'

/** What the front needs (wired once by the façade). */
export interface FrontEnv {
  readonly app: MoonlightApp
  readonly registry: SwitchRegistry
  readonly calls: CallEnv
  readonly middleware: Middleware[]
  readonly pipeline: ExceptionPipeline
  /** Opens the defer scope of one request. */
  openScope(): DeferScope
  /** The answer is built: returns what to run once the body was sent when deferred work is pending. */
  settleScope(scope: DeferScope): (() => void) | undefined
}

/** The front as a fetch handler. Never throws: every failure becomes an envelope or an error page. */
export function httpFront(env: FrontEnv): (request: Request) => Promise<Response> {
  return (request) => {
    const scope = env.openScope()
    return runInScope(scope, () => serve(env, request, scope))
  }
}

/**
 * Routes, then turns the answer into the Response. The usual path (no middleware, a body from rr)
 * awaits nothing but the action: each stage returns its value, or a promise only when it has to wait.
 */
function serve(env: FrontEnv, request: Request, scope: DeferScope): Promise<Response> {
  let out: Routed | Promise<Routed>
  try {
    out = route(env, request, scope)
  } catch (err) {
    return settle(env, scope, () => crash(env, request, err))
  }
  // A service call without middleware finishes its own Response inside the action's `.then`.
  if (out instanceof CallAnswer) return Promise.resolve(out.finished!)
  if (out instanceof Promise) {
    return out.then(
      (o) => (o instanceof CallAnswer ? o.finished! : finish(env, scope, o)),
      (err) => finish(env, scope, crash(env, request, err)),
    )
  }
  return settle(env, scope, () => out as Answer | Response)
}

/** What routing gives: an answer to finish, or a call that finished its own Response. */
type Routed = Answer | Response | CallAnswer

/** {@link finish} of what `answer` gives, as a promise (a synchronous throw becomes its rejection). */
function settle(env: FrontEnv, scope: DeferScope, answer: () => Answer | Response): Promise<Response> {
  try {
    return Promise.resolve(finish(env, scope, answer()))
  } catch (err) {
    return Promise.reject(err)
  }
}

/** A failure outside any action: reported, and answered with the pipeline's envelope as a 500. */
function crash(env: FrontEnv, request: Request, err: unknown): Answer {
  const r = env.pipeline.handle(err, env.app.settings, env.app.debug, { uri: request.url })
  return { text: envelopeJson(r.envelope), status: httpStatus('crash'), headers: { 'Content-Type': JSON_TYPE } }
}

/** The Response of an answer (deferred work flushed once its body was sent), through the response middleware. */
function finish(env: FrontEnv, scope: DeferScope, out: Answer | Response): Response | Promise<Response> {
  const after = env.settleScope(scope)
  let res: Response
  // An Answer's text is a string (a Response's is a method): tested before `instanceof Response`,
  // which for a plain object asks Node's native class and loads undici (~40 ms) on the first request.
  const answer = out as Answer
  if (typeof answer.text !== 'string') {
    res = out as Response
    if (after) setImmediate(() => setImmediate(after))
  } else res = makeResponse(answer.text, answer.status, answer.headers, after)
  const info = scope.routeInfo as RouteInfo | undefined
  return info ? onResponse(env, res, info) : res
}

async function onResponse(env: FrontEnv, res: Response, info: RouteInfo): Promise<Response> {
  const { app, pipeline } = env
  for (const m of env.middleware) {
    if (!m.onResponse || !applies(m, info.service)) continue
    try {
      res = (await m.onResponse(res, info)) ?? res
    } catch (err) {
      pipeline.report(err, app.settings, { middleware: m.name ?? 'middleware' })
    }
  }
  return res
}

/** Adds the CORS headers a middleware's own Response lacks (immutable headers, e.g. Response.redirect, stay as they are). */
function withCors(res: Response, cors: Readonly<Record<string, string>>): Response {
  for (const k in cors) {
    if (res.headers.has(k)) continue
    try {
      res.headers.set(k, cors[k]!)
    } catch {
      return res
    }
  }
  return res
}

/** An envelope answer with the JSON type, the CORS headers and `extra`. */
function jsonAnswer(app: MoonlightApp, envelope: Envelope, outcome: Outcome, cors: Readonly<Record<string, string>>, extra?: Record<string, string>, code = envelope.returnCode): Answer {
  return {
    text: envelopeJson(envelope),
    status: httpStatus(outcome, code, app.classicStatus),
    headers: extra ? { 'Content-Type': JSON_TYPE, ...cors, ...extra } : jsonHeaders(cors),
  }
}

/** The JSON type and the CORS headers, one frozen record per frozen CORS set (so its encoding is cached too). */
function jsonHeaders(cors: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  if (!Object.isFrozen(cors)) return { 'Content-Type': JSON_TYPE, ...cors }
  let h = withJsonType.get(cors)
  if (h === undefined) {
    h = Object.freeze({ 'Content-Type': JSON_TYPE, ...cors })
    withJsonType.set(cors, h)
  }
  return h
}
const withJsonType = new WeakMap<object, Readonly<Record<string, string>>>()

/** The request middleware (`onRequest`) for `service`: the first Response one returns, with the CORS headers. */
async function early(env: FrontEnv, info: RouteInfo, cors: Readonly<Record<string, string>>, service?: string): Promise<Response | undefined> {
  for (const mw of env.middleware) {
    if (!mw.onRequest || !applies(mw, service)) continue
    const r = await mw.onRequest(info)
    if (r) return withCors(r, cors)
  }
  return undefined
}

/** The URL of `href` (`parts` when it is one already). */
const urlOf = (parts: UrlParts, href: string): URL => (parts instanceof URL ? parts : new URL(href))

/**
 * Routes one request. Throws (or rejects) only for failures outside any action. The URL is built
 * only for what needs more than its pathname and search (maintenance, HTTPS_ONLY, middleware, pages).
 */
function route(env: FrontEnv, request: Request, scope: DeferScope): Routed | Promise<Routed> {
  const { app } = env
  const settings = app.settings
  const href = request.url
  const parts = urlParts(href)
  const base = app.apiBase

  // 1. maintenance gate, before anything else (preflights included); the rest of its state is read only when it is on
  const m = maintenanceOn(settings) ? maintenanceState(settings) : undefined
  if (m) {
    const url = urlOf(parts, href)
    if (!bypasses(m, url, request)) {
      const extra: Record<string, string> = m.retryAfter ? { 'Retry-After': m.retryAfter } : {}
      if (wantsJson(url, request, base)) return jsonAnswer(app, response(m.code, m.message), 'maintenance', NO_HEADERS, extra)
      return { text: maintenancePage(m, app.name), status: httpStatus('maintenance', m.code), headers: { 'Content-Type': HTML_TYPE, ...extra } }
    }
  }

  // 2. CORS: headers on every response; preflight answered here
  const cors = corsFor(settings, () => headerOf(request, 'origin'))
  if (request.method === 'OPTIONS') return { text: '', status: httpStatus('preflight'), headers: { ...cors } }
  // HTTPS_ONLY: plain-HTTP traffic gets a 403 envelope (behind a proxy, X-Forwarded-Proto counts).
  if (derived(settings, 'httpsOnly', httpsOnly) && urlOf(parts, href).protocol !== 'https:' &&
    headerOf(request, 'x-forwarded-proto')?.split(',')[0]?.trim() !== 'https') {
    return jsonAnswer(app, response(403, 'Only HTTPS connections are allowed'), 'https-only', cors)
  }

  // 3. route, with the request middleware (what they see, and response middleware later, only when there are any)
  const info: RouteInfo | undefined = env.middleware.length > 0 ? { request, url: urlOf(parts, href), attributes: new Map() } : undefined
  scope.routeInfo = info
  const method = request.method === 'HEAD' ? 'GET' : request.method
  const found = routeOf(parts.pathname, base)
  if (!found || !found.kind || !env.registry.has(found.version)) {
    if (!info) return notFound(app, urlOf(parts, href), request, cors)
    return early(env, info, cors).then((pre) => pre ?? notFound(app, info.url, request, cors))
  }
  const { version, kind, segments } = found
  const allowed = allowedMethods(kind)
  if (!allowed.includes(method)) {
    const e = new MethodNotAllowedError(allowed)
    return jsonAnswer(app, response(e.code, e.message), 'method-not-allowed', cors, e.headers)
  }
  if (kind === 'catalog') {
    const url = urlOf(parts, href)
    if (!docsAllowed(app, url, request)) return notFound(app, url, request, cors)
    return jsonAnswer(app, response(0, 'Catalog', app.catalog(version)), 'page', cors)
  }
  if (kind === 'openapi') {
    // The same gate as the catalog; the document itself, not an envelope, so OpenAPI tools can read it.
    const url = urlOf(parts, href)
    if (!docsAllowed(app, url, request)) return notFound(app, url, request, cors)
    return { text: JSON.stringify(app.openapi()), status: httpStatus('page'), headers: { 'Content-Type': JSON_TYPE, ...cors } }
  }
  if (kind === 'ping' || (kind === 'root' && method === 'GET')) {
    if (!info) return page(env, request, urlOf(parts, href), kind, version, base, cors)
    return early(env, info, cors).then((pre) => pre ?? page(env, request, info.url, kind, version, base, cors))
  }

  // 4. a service call: POST /api/v1 (service/action in the body) or GET /api/v1/{service}/{action}
  const call = new CallAnswer(env, scope, request, settings, parts.pathname, cors)
  let read: RequestDataResult | Promise<RequestDataResult>
  try {
    read = readRequestDataNow(request, parts.search)
  } catch (err) {
    return call.fail(err)
  }
  if (read instanceof Promise) return read.then((r) => call.run(info, kind, segments, version, r), (err: unknown) => call.fail(err))
  return call.run(info, kind, segments, version, read)
}

/**
 * How one service call is answered: its envelope, or the exception pipeline's for its error.
 * Without middleware it is also the call's {@link CallSink}: the envelope becomes the finished
 * Response inside the action's own `.then` (no promise chain per stage), kept in `finished`.
 */
class CallAnswer implements CallSink<Response | Promise<Response>> {
  /** The finished Response of a call run by {@link runCallInto} (what `serve` returns). */
  finished: Response | Promise<Response> | undefined = undefined

  constructor(
    readonly env: FrontEnv,
    readonly scope: DeferScope,
    readonly request: Request,
    readonly settings: Settings,
    readonly pathname: string,
    readonly cors: Readonly<Record<string, string>>,
  ) {}

  /** Runs the call on the request's data (after the request middleware, if any). */
  run(info: RouteInfo | undefined, kind: string, segments: readonly string[], version: string, read: RequestDataResult): Answer | Response | CallAnswer | Promise<Answer | Response> {
    try {
      const { data, files } = read
      if (kind === 'get') {
        data.service = segments[1]!
        data.action = segments[2]!
      }
      const { service, action } = data
      const call: DispatchCall = { service: service as string, action: action as string, data, files, switch: version, request: this.request }
      if (!info) {
        // A promise resolving to a promise flattens: the value is the Response either way.
        this.finished = runCallInto(this.env.calls, call, AUTHENTICATE, this) as Response | Promise<Response>
        return this
      }
      info.service = typeof service === 'string' ? service : undefined
      info.action = typeof action === 'string' ? action : undefined
      const hooks: CallHooks = {
        authenticate: true,
        onCall: (req) => {
          info.call = req
        },
      }
      const failed = (err: unknown): Answer => this.fail(err)
      return early(this.env, info, this.cors, info.service).then(
        (pre): Answer | Response | Promise<Answer> => pre ?? runCall(this.env.calls, call, hooks).then((e) => this.answer(e), failed),
        failed,
      )
    } catch (err) {
      return this.fail(err)
    }
  }

  /** The envelope's answer. */
  answer(envelope: Envelope): Answer {
    return jsonAnswer(this.env.app, envelope, 'call', this.cors)
  }

  /** The exception pipeline's answer for `err`. */
  fail(err: unknown): Answer {
    const r = this.env.pipeline.handle(err, this.settings, this.env.app.debug, { uri: this.pathname })
    return jsonAnswer(this.env.app, r.envelope, 'call', this.cors, r.headers)
  }

  // CallSink: what serve() would do with the answer, done here (a failure to render is a crash, as there).
  answered(envelope: Envelope): Response | Promise<Response> {
    let a: Answer
    try {
      a = this.answer(envelope)
    } catch (err) {
      return this.#finish(crash(this.env, this.request, err))
    }
    return this.#finish(a)
  }

  failed(err: unknown): Response | Promise<Response> {
    let a: Answer
    try {
      a = this.fail(err)
    } catch (e) {
      return this.#finish(crash(this.env, this.request, e))
    }
    return this.#finish(a)
  }

  #finish(a: Answer): Response | Promise<Response> {
    try {
      return finish(this.env, this.scope, a)
    } catch (err) {
      return Promise.reject(err)
    }
  }
}

/** dispatch() hooks of an HTTP call without middleware. */
const AUTHENTICATE: CallHooks = { authenticate: true }

/** GET on the dispatch root (the overview, HTML or JSON) and ping. */
function page(env: FrontEnv, request: Request, url: URL, kind: string, version: string, base: string, cors: Readonly<Record<string, string>>): Answer {
  const { app } = env
  if (kind === 'ping') {
    const data = app.debug ? { app: app.name, nv: process.version, fv: PIONIA_VERSION, port: url.port, uri: url.pathname, schema: url.protocol.replace(':', '') } : null
    return jsonAnswer(app, response(0, 'pong', data), 'page', cors)
  }
  const accept = headerOf(request, 'accept') ?? ''
  if (accept.includes('text/html') && !accept.includes('json')) {
    return { text: overviewPage(app.name, base, version, Object.keys(env.registry.services(version))), status: httpStatus('page'), headers: { 'Content-Type': HTML_TYPE, ...cors } }
  }
  return jsonAnswer(app, response(0, 'Moonlight API', {
    version,
    dispatch: { method: 'POST', path: `${base}${version}`, body: { service: '<alias>', action: '<action>' } },
    ping: `${base}${version}/ping`,
    docs: null,
  }), 'page', cors)
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({})

const httpsOnly = (settings: Settings): boolean => isTruthy(settings.env('HTTPS_ONLY') ?? settings.get('server', 'HTTPS_ONLY'))

function notFound(app: MoonlightApp, url: URL, request: Request, cors: Readonly<Record<string, string>>): Answer {
  const code = Number(app.settings.get('server', 'NOT_FOUND_CODE') ?? 404) || 404
  const message = `Route ${url.pathname} not found`
  const status = httpStatus('not-found')
  if (wantsJson(url, request, app.apiBase)) {
    return { text: envelopeJson(response(code, message)), status, headers: { 'Content-Type': JSON_TYPE, ...cors } }
  }
  return { text: notFoundPage(message), status, headers: { 'Content-Type': HTML_TYPE, ...cors } }
}

/** The catalog (and the OpenAPI document) is shown in debug or with DOCS_ENABLED; DOCS_TOKEN, when set, must match `?token=` or `X-Docs-Token`. */
function docsAllowed(app: MoonlightApp, url: URL, request: Request): boolean {
  if (!app.debug && !isTruthy(app.settings.env('DOCS_ENABLED') ?? app.settings.get('docs', 'ENABLED'))) return false
  const token = app.settings.env('DOCS_TOKEN') ?? app.settings.get('docs', 'TOKEN')
  if (!token) return true
  const given = headerOf(request, 'x-docs-token') ?? url.searchParams.get('token')
  return given !== null && safeEqual(given, token)
}
