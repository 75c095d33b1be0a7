/**
 * Middleware: `onRequest` runs after the maintenance gate and CORS preflight, before auth; `onResponse`
 * runs last, after CORS headers are applied. `limitServicesTo` restricts one to some service aliases.
 * @module
 */
import type { MoonlightRequest } from '../core/context.js'

/** What middleware sees of a request that is not a service call (ping, overview, 404). */
export interface RouteInfo {
  readonly request: Request
  readonly url: URL
  /** Service and action named by the request (dispatch routes; set before onRequest runs). */
  service?: string
  action?: string
  /** The resolved Moonlight call (user, data…), set once the action is about to run; onResponse sees it. */
  call?: MoonlightRequest
  /** Free-form values shared between onRequest and onResponse. */
  readonly attributes: Map<string, unknown>
}

/**
 * A middleware. Return a Response from `onRequest` to answer early; return one from `onResponse` to replace it.
 * @example
 * import type { Middleware } from 'pionia/moonlight'
 * export const requestId: Middleware = {
 *   name: 'request-id',
 *   onRequest: (r) => { r.attributes.set('id', r.request.headers.get('x-request-id') ?? crypto.randomUUID()) },
 *   onResponse: (res, r) => { res.headers.set('X-Request-Id', String(r.attributes.get('id'))) },
 * }
 */
export interface Middleware {
  name?: string
  /** Service aliases this middleware applies to (empty or missing: every request). */
  limitServicesTo?: string[]
  onRequest?(info: RouteInfo): void | Response | Promise<void | Response>
  onResponse?(response: Response, info: RouteInfo): void | Response | Promise<void | Response>
}

/** True when `m` applies to a request for `service` (undefined for non-dispatch routes). */
export function applies(m: Middleware, service: string | undefined): boolean {
  if (!m.limitServicesTo?.length) return true
  return service !== undefined && m.limitServicesTo.includes(service)
}
