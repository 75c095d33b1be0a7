/**
 * The HTTP side of a Moonlight app, in pipeline order: maintenance gate, CORS (preflight, headers),
 * HTTPS_ONLY, route match, request middleware, auth chain, dispatch. Returns the body, status and
 * headers; `app.fetch` turns them into the Response and runs the response middleware.
 * @module
 */
import { isTruthy } from '../config/settings.js'
import type { Moonlight, DispatchCall } from './app.js'
import type { AuthBackend } from './auth.js'
import type { MoonlightRequest } from './context.js'
import type { DeferScope } from './defer.js'
import { response, type Envelope } from './envelope.js'
import { MethodNotAllowedError } from './errors.js'
import { corsHeaders } from './cors.js'
import { bypasses, maintenancePage, maintenanceState, safeEqual, wantsJson } from './maintenance.js'
import { applies, type Middleware, type RouteInfo } from './middleware.js'
import { readRequestData } from './request-data.js'
import { JSON_TYPE, envelopeJson, statusFor } from './http-response.js'
import type { ExceptionPipeline } from './pipeline.js'
import { authenticate } from './auth.js'
import { resolveActionMeta, Service, type ServiceClass } from './service.js'
import { actionMethodName, snakeCase } from './names.js'

/** Package version shown in the debug ping. */
const PIONIA_VERSION = '0.1.0'

/** What the front needs of the app, private parts included (built once by the app). */
export interface HttpFront {
  app: Moonlight
  middleware: Middleware[]
  auth: AuthBackend[]
  pipeline: ExceptionPipeline
  hasSwitch(version: string): boolean
  dispatch(call: DispatchCall, onCall: (request: MoonlightRequest) => void): Promise<Envelope>
}

/** A response before it becomes a WHATWG Response. */
export interface Answer {
  text: string
  status: number
  headers: Record<string, string>
}

type Kind = 'root' | 'ping' | 'catalog' | 'get'

/** Which Moonlight route a path is: `{version, kind, segments}`, or null for anything else. */
export function matchRoute(path: string, base: string): { version: string; kind: Kind | null; segments: string[] } | null {
  const rest = path === base.slice(0, -1) ? '' : path.startsWith(base) ? path.slice(base.length) : null
  if (rest === null) return null
  const segments = rest.split('/').filter(Boolean)
  const version = segments[0]
  if (!version) return null
  const n = segments.length
  const kind: Kind | null = n === 1 ? 'root' : n === 2 && segments[1] === 'ping' ? 'ping' : n === 2 && segments[1] === '__catalog' ? 'catalog' : n === 3 ? 'get' : null
  return { version, kind, segments }
}

const HTML = 'text/html; charset=UTF-8'
const esc = (t: string): string => t.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** Serves one request through the pipeline. Throws only for failures outside any action. */
export async function routeHttp(front: HttpFront, request: Request, scope: DeferScope): Promise<Answer> {
  const { app } = front
  const settings = app.settings
  const url = new URL(request.url)
  const base = app.apiBase
  let cors: Record<string, string> = {}
  const json = (env: Envelope, status: number, extra: Record<string, string> = {}): Answer => ({
    text: envelopeJson(env),
    status,
    headers: { 'Content-Type': JSON_TYPE, ...cors, ...extra },
  })

  // 1. maintenance gate, before anything else (preflights included)
  const m = maintenanceState(settings)
  if (!bypasses(m, url, request)) {
    const extra: Record<string, string> = m.retryAfter ? { 'Retry-After': m.retryAfter } : {}
    if (wantsJson(url, request, base)) return json(response(m.code, m.message), m.code, extra)
    return { text: maintenancePage(m, app.name), status: m.code, headers: { 'Content-Type': HTML, ...extra } }
  }

  // 2. CORS: headers on every response; preflight answered here
  cors = corsHeaders(settings, request.headers.get('origin'))
  if (request.method === 'OPTIONS') return { text: '', status: 204, headers: cors }
  // HTTPS_ONLY: plain-HTTP traffic gets a 403 envelope (behind a proxy, X-Forwarded-Proto counts).
  if (isTruthy(settings.env('HTTPS_ONLY') ?? settings.get('server', 'HTTPS_ONLY')) && url.protocol !== 'https:' &&
    request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim() !== 'https') {
    return json(response(403, 'Only HTTPS connections are allowed'), app.classicStatus ? 200 : 403)
  }

  // 3. route, with the request middleware
  const info: RouteInfo = { request, url, attributes: new Map() }
  scope.routeInfo = info
  const method = request.method === 'HEAD' ? 'GET' : request.method
  const early = async (service?: string): Promise<Answer | undefined> => {
    for (const mw of front.middleware) {
      if (!mw.onRequest || !applies(mw, service)) continue
      const r = await mw.onRequest(info)
      if (r) return { text: await r.text(), status: r.status, headers: { ...cors, ...Object.fromEntries(r.headers) } }
    }
    return undefined
  }
  const route = matchRoute(url.pathname, base)
  if (!route || !route.kind || !front.hasSwitch(route.version)) return (await early()) ?? notFound(front, url, request, cors)
  const { version, kind, segments } = route
  const allowed = kind === 'root' ? ['GET', 'POST'] : ['GET']
  if (!allowed.includes(method)) {
    const e = new MethodNotAllowedError(allowed)
    return json(response(e.code, e.message), 405, e.headers)
  }
  if (kind === 'catalog') {
    if (!docsAllowed(front, url, request)) return notFound(front, url, request, cors)
    return json(response(0, 'Catalog', app.catalog(version)), 200)
  }
  if (kind === 'ping' || (kind === 'root' && method === 'GET')) {
    const pre = await early()
    if (pre) return pre
    if (kind === 'ping') {
      const data = app.debug ? { app: app.name, nv: process.version, fv: PIONIA_VERSION, port: url.port, uri: url.pathname, schema: url.protocol.replace(':', '') } : null
      return json(response(0, 'pong', data), 200)
    }
    const accept = request.headers.get('accept') ?? ''
    if (accept.includes('text/html') && !accept.includes('json')) {
      return { text: overviewPage(app.name, base, version, Object.keys(app.services(version))), status: 200, headers: { 'Content-Type': HTML, ...cors } }
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
    if (kind === 'get') {
      data.service = segments[1]!
      data.action = segments[2]!
    }
    const { service, action } = data
    info.service = typeof service === 'string' ? service : undefined
    info.action = typeof action === 'string' ? action : undefined
    const pre = await early(info.service)
    if (pre) return pre
    const user = await authenticate(front.auth, { request, service: info.service, action: info.action, settings },
      (err, name) => front.pipeline.report(err, settings, { backend: name }))
    envelope = await front.dispatch({ service: service as string, action: action as string, data, files, switch: version, auth: user, request }, (call) => {
      info.call = call
    })
  } catch (err) {
    const r = front.pipeline.handle(err, settings, app.debug, { uri: url.pathname })
    envelope = r.envelope
    extraHeaders = r.headers
  }
  return json(envelope, statusFor(envelope.returnCode, app.classicStatus), extraHeaders)
}

function notFound(front: HttpFront, url: URL, request: Request, cors: Record<string, string>): Answer {
  const code = Number(front.app.settings.get('server', 'NOT_FOUND_CODE') ?? 404) || 404
  const message = `Route ${url.pathname} not found`
  if (wantsJson(url, request, front.app.apiBase)) {
    return { text: envelopeJson(response(code, message)), status: 404, headers: { 'Content-Type': JSON_TYPE, ...cors } }
  }
  return { text: `<!doctype html><title>404</title><h1>Not found</h1><p>${esc(message)}</p>`, status: 404, headers: { 'Content-Type': HTML, ...cors } }
}

/** The catalog is shown in debug or with DOCS_ENABLED; DOCS_TOKEN, when set, must match `?token=` or `X-Docs-Token`. */
function docsAllowed(front: HttpFront, url: URL, request: Request): boolean {
  const { app } = front
  if (!app.debug && !isTruthy(app.settings.env('DOCS_ENABLED') ?? app.settings.get('docs', 'ENABLED'))) return false
  const token = app.settings.env('DOCS_TOKEN') ?? app.settings.get('docs', 'TOKEN')
  if (!token) return true
  const given = request.headers.get('x-docs-token') ?? url.searchParams.get('token')
  return given !== null && safeEqual(given, token)
}

/** Services and actions of a switch, with their auth and rules. */
export function catalogOf(services: Record<string, ServiceClass>, version: string): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [alias, cls] of Object.entries(services)) {
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

/** The overview for browsers: how to call the API, and its services. */
function overviewPage(app: string, base: string, version: string, services: string[]): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(app)} API ${esc(version)}</title></head>` +
    `<body style="font-family:system-ui;max-width:44rem;margin:3rem auto"><h1>${esc(app)}: Moonlight API ${esc(version)}</h1>` +
    `<p>POST a JSON object to <code>${esc(base + version)}</code> with <code>service</code>, <code>action</code> and the action's fields, ` +
    `e.g. <code>{"service":"${esc(services[0] ?? 'task')}","action":"list"}</code>. Health check: <code>GET ${esc(`${base}${version}/ping`)}</code>.</p>` +
    `<p>Services: ${services.map((s) => `<code>${esc(s)}</code>`).join(', ') || 'none yet'}.</p></body></html>`
}
