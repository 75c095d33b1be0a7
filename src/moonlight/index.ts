/**
 * Moonlight: Pionia's `{service, action}` API framework for Node. Build an app with `createApp`,
 * serve it with rr (`serve({ http: app })`), node:http (`npx pionia serve`) or call `app.fetch()` in tests.
 * @module
 */
export { createApp, moonlight, Moonlight, type AppOptions, type DispatchCall, type SwitchMap, type Switches } from './app.js'
export { response, isEnvelope, type Envelope } from './core/envelope.js'
export {
  HttpError,
  BadRequestError,
  UnauthenticatedError,
  UnauthorizedError,
  NotFoundError,
  MethodNotAllowedError,
  ValidationError,
} from './core/errors.js'
export { RequestData } from './core/data.js'
export type { MoonlightRequest, MoonlightApp, FileBag } from './core/context.js'
export { defer, async, type MoonlightJob } from './core/defer.js'
export { GENERIC_ERROR_MESSAGE, type ExceptionOptions } from './core/exceptions.js'
export { stderrLogger, type Logger } from './core/log.js'
export { Service, type Action, type ActionMeta, type AuthRule, type ServiceAuth, type ServiceClass } from './dispatch/service.js'
export { GenericService, type GenericServiceClass } from './dispatch/generic-service.js'
export { readPage, pageInfo, type Page } from './dispatch/pagination.js'
export { Authenticated, Can, CanAny, Validated, ValidateField } from './dispatch/decorators.js'
export { rules, validate, extendValidation, FieldValidator, type RuleMap, type RuleSpec, type CustomRule } from './validation/index.js'
export { jwtAuthentication, contextUser, jwtSettings, type AuthBackend, type AuthInput, type ContextUser } from './auth/index.js'
export { jwtEncode, jwtDecode, jwtVerify, jwtSecretProblem, JwtSecretError, MIN_JWT_SECRET_BYTES, type JwtClaims, type JwtOptions } from './auth/index.js'
export type { Middleware, RouteInfo } from './http/middleware.js'
export { jobsConfig, jobsGateOpen, type JobQueue, type JobsConfig } from './settings/jobs.js'
export { maintenanceState, type MaintenanceState } from './http/maintenance.js'
export { ConnectionManager, type Connection, type DbConfig } from './db/index.js'
export { createNodeServer, listenWithTries, toWebRequest, writeWebResponse, type Fetchable, type AccessEntry, type NodeServerOptions } from '../http/node-server.js'
export { cache, MoonlightCache, type CacheOptions, type AttemptResult } from './cache/index.js'
