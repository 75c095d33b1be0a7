/**
 * The HTTP stages of Moonlight: the front (gate, CORS, routes, middleware, body reading), the status
 * table and the Response builder.
 * @module
 */
export { httpFront, type FrontEnv } from './front.js'
export { httpStatus, statusFor, type Outcome } from './status.js'
export { JSON_TYPE, envelopeJson, makeResponse, type Answer } from './response.js'
export { matchRoute, type Route, type RouteKind } from './routes.js'
export { readRequestData, parseCookies, MAX_JSON_DEPTH, MAX_FORM_PARTS } from './request-data.js'
export { applies, type Middleware, type RouteInfo } from './middleware.js'
export { corsHeaders } from './cors.js'
export { maintenanceState, bypasses, wantsJson, safeEqual, DEFAULT_MAINTENANCE_MESSAGE, type MaintenanceState } from './maintenance.js'
