/**
 * The HTTP front, the first stage of a Moonlight request, in pipeline order: maintenance gate, CORS
 * (preflight, headers), HTTPS_ONLY, route match, request middleware, body and form reading, then the
 * call (resolution + invocation, below), the envelope → Response, and the response middleware.
 * Every status comes from the one table in status.ts. A middleware's early Response goes out as it
 * is (only the CORS headers it lacks are added).
 * @module
 */
import { isTruthy } from '../../config/settings.js'
import type { MoonlightApp } from '../core/context.js'
import { runInScope, type DeferScope } from '../core/defer.js'
import { response, type Envelope } from '../core/envelope.js'
import { MethodNotAllowedError } from '../core/errors.js'
import type { ExceptionPipeline } from '../core/exceptions.js'
import { runCall, type CallEnv, type SwitchRegistry } from '../dispatch/index.js'
import { corsFor } from './cors.js'
import { derived } from '../settings/snapshot.js'
import type { Settings } from '../../config/settings.js'
import { bypasses, maintenanceOn, maintenancePage, maintenanceState, safeEqual, wantsJson } from './maintenance.js'
import { applies, type Middleware, type RouteInfo } from './middleware.js'
import { readRequestData } from './request-data.js'
import { JSON_TYPE, envelopeJson, makeResponse, type Answer } from './response.js'
import { httpStatus, type Outcome } from './status.js'
import { allowedMethods, matchRoute } from './routes.js'
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

async function serve(env: FrontEnv, request: Request, scope: DeferScope): Promise<Response> {
  const { app, pipeline } = env
  let out: Answer | Response
  try {
    out = await route(env, request, scope)
  } catch (err) {
    const r = pipeline.handle(err, app.settings, app.debug, { uri: request.url })
    out = { text: envelopeJson(r.envelope), status: httpStatus('crash'), headers: { 'Content-Type': JSON_TYPE } }
  }
  const after = env.settleScope(scope)
  let res: Response
  if (out instanceof Response) {
    res = out
    if (after) setImmediate(() => setImmediate(after))
  } else res = makeResponse(out.text, out.status, out.headers, after)
  const info = scope.routeInfo as RouteInfo | undefined
  if (info) {
    for (const m of env.middleware) {
      if (!m.onResponse || !applies(m, info.service)) continue
      try {
        res = (await m.onResponse(res, info)) ?? res
      } catch (err) {
        pipeline.report(err, app.settings, { middleware: m.name ?? 'middleware' })
      }
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

/** Routes one request. Throws only for failures outside any action. */
async function route(env: FrontEnv, request: Request, scope: DeferScope): Promise<Answer | Response> {
  const { app } = env
  const settings = app.settings
  const url = new URL(request.url)
  const base = app.apiBase
  let cors: Readonly<Record<string, string>> = NO_HEADERS
  const json = (env: Envelope, outcome: Outcome, extra?: Record<string, string>, code = env.returnCode): Answer => ({
    text: envelopeJson(env),
    status: httpStatus(outcome, code, app.classicStatus),
    headers: extra ? { 'Content-Type': JSON_TYPE, ...cors, ...extra } : { 'Content-Type': JSON_TYPE, ...cors },
  })

  // 1. maintenance gate, before anything else (preflights included); the rest of its state is read only when it is on
  const m = maintenanceOn(settings) ? maintenanceState(settings) : undefined
  if (m && !bypasses(m, url, request)) {
    const extra: Record<string, string> = m.retryAfter ? { 'Retry-After': m.retryAfter } : {}
    if (wantsJson(url, request, base)) return json(response(m.code, m.message), 'maintenance', extra)
    return { text: maintenancePage(m, app.name), status: httpStatus('maintenance', m.code), headers: { 'Content-Type': HTML_TYPE, ...extra } }
  }

  // 2. CORS: headers on every response; preflight answered here
  cors = corsFor(settings, () => request.headers.get('origin'))
  if (request.method === 'OPTIONS') return { text: '', status: httpStatus('preflight'), headers: { ...cors } }
  // HTTPS_ONLY: plain-HTTP traffic gets a 403 envelope (behind a proxy, X-Forwarded-Proto counts).
  if (derived(settings, 'httpsOnly', httpsOnly) && url.protocol !== 'https:' &&
    request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim() !== 'https') {
    return json(response(403, 'Only HTTPS connections are allowed'), 'https-only')
  }

  // 3. route, with the request middleware
  const info: RouteInfo = { request, url, attributes: new Map() }
  scope.routeInfo = info
  const method = request.method === 'HEAD' ? 'GET' : request.method
  const early = async (service?: string): Promise<Response | undefined> => {
    if (env.middleware.length === 0) return undefined
    for (const mw of env.middleware) {
      if (!mw.onRequest || !applies(mw, service)) continue
      const r = await mw.onRequest(info)
      if (r) return withCors(r, cors)
    }
    return undefined
  }
  const found = matchRoute(url.pathname, base)
  if (!found || !found.kind || !env.registry.has(found.version)) return (await early()) ?? notFound(app, url, request, cors)
  const { version, kind, segments } = found
  const allowed = allowedMethods(kind)
  if (!allowed.includes(method)) {
    const e = new MethodNotAllowedError(allowed)
    return json(response(e.code, e.message), 'method-not-allowed', e.headers)
  }
  if (kind === 'catalog') {
    if (!docsAllowed(app, url, request)) return notFound(app, url, request, cors)
    return json(response(0, 'Catalog', app.catalog(version)), 'page')
  }
  if (kind === 'openapi') {
    // The same gate as the catalog; the document itself, not an envelope, so OpenAPI tools can read it.
    if (!docsAllowed(app, url, request)) return notFound(app, url, request, cors)
    return { text: JSON.stringify(app.openapi()), status: httpStatus('page'), headers: { 'Content-Type': JSON_TYPE, ...cors } }
  }
  if (kind === 'ping' || (kind === 'root' && method === 'GET')) {
    const pre = await early()
    if (pre) return pre
    if (kind === 'ping') {
      const data = app.debug ? { app: app.name, nv: process.version, fv: PIONIA_VERSION, port: url.port, uri: url.pathname, schema: url.protocol.replace(':', '') } : null
      return json(response(0, 'pong', data), 'page')
    }
    const accept = request.headers.get('accept') ?? ''
    if (accept.includes('text/html') && !accept.includes('json')) {
      return { text: overviewPage(app.name, base, version, Object.keys(env.registry.services(version))), status: httpStatus('page'), headers: { 'Content-Type': HTML_TYPE, ...cors } }
    }
    return json(response(0, 'Moonlight API', {
      version,
      dispatch: { method: 'POST', path: `${base}${version}`, body: { service: '<alias>', action: '<action>' } },
      ping: `${base}${version}/ping`,
      docs: null,
    }), 'page')
  }

  // 4. a service call: POST /api/v1 (service/action in the body) or GET /api/v1/{service}/{action}
  let envelope: Envelope
  let extraHeaders: Record<string, string> = {}
  try {
    const { data, files } = await readRequestData(request, url)
    if (kind === 'get') {
      data.service = segments[1]!
      data.action = segments[2]!
    }
    const { service, action } = data
    info.service = typeof service === 'string' ? service : undefined
    info.action = typeof action === 'string' ? action : undefined
    if (env.middleware.length) {
      const pre = await early(info.service)
      if (pre) return pre
    }
    envelope = await runCall(env.calls, { service: service as string, action: action as string, data, files, switch: version, request }, {
      authenticate: true,
      onCall: (call) => {
        info.call = call
      },
    })
  } catch (err) {
    const r = env.pipeline.handle(err, settings, app.debug, { uri: url.pathname })
    envelope = r.envelope
    extraHeaders = r.headers
  }
  return json(envelope, 'call', extraHeaders)
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
  const given = request.headers.get('x-docs-token') ?? url.searchParams.get('token')
  return given !== null && safeEqual(given, token)
}
