/**
 * Moonlight: Pionia's `{service, action}` API framework for Node. Build an app with `createApp`,
 * serve it with rr (`serve({ http: app })`), node:http (`npx pionia serve`) or call `app.fetch()` in tests.
 * @module
 */
export { createApp, moonlight, Moonlight, type AppOptions, type DispatchCall, type SwitchMap } from './app.js'
export { response, isEnvelope, type Envelope } from './envelope.js'
export {
  HttpError,
  BadRequestError,
  UnauthenticatedError,
  UnauthorizedError,
  NotFoundError,
  MethodNotAllowedError,
  ValidationError,
} from './errors.js'
export { RequestData } from './data.js'
export { Service, type Action, type ActionMeta, type AuthRule, type ServiceAuth, type ServiceClass } from './service.js'
export { rules, validate, extendValidation, FieldValidator, type RuleMap, type RuleSpec, type CustomRule } from './validation.js'
export { jwtAuthentication, contextUser, jwtSettings, type AuthBackend, type AuthInput, type ContextUser } from './auth.js'
export { jwtEncode, jwtDecode, jwtVerify, jwtSecretProblem, JwtSecretError, MIN_JWT_SECRET_BYTES, type JwtClaims, type JwtOptions } from './jwt.js'
export type { Middleware, RouteInfo } from './middleware.js'
export type { MoonlightRequest, FileBag } from './context.js'
export { defer, async, type MoonlightJob } from './defer.js'
export { jobsConfig, jobsGateOpen, type JobQueue, type JobsConfig } from './jobs-hook.js'
export { maintenanceState, type MaintenanceState } from './maintenance.js'
export { GENERIC_ERROR_MESSAGE, type ExceptionOptions } from './pipeline.js'
export { stderrLogger, type Logger } from './log.js'
export { ConnectionManager, type Connection, type DbConfig } from './db/index.js'
export { createNodeServer, listenWithTries, toWebRequest, writeWebResponse, type Fetchable, type AccessEntry, type NodeServerOptions } from './node-server.js'
export { GenericService, type GenericServiceClass } from './generic-service.js'
export { readPage, pageInfo, type Page } from './pagination.js'
export { Authenticated, Can, CanAny, Validated, ValidateField } from './decorators.js'
export { cache, MoonlightCache, type CacheOptions, type AttemptResult } from './cache.js'
