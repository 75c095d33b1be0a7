/**
 * Call resolution, the stage every call goes through (HTTP, jobs, realtime frames, `dispatch()`):
 * the auth chain (HTTP calls), switch → service → action, the MoonlightRequest, then the action's
 * auth requirements and validation rules. What comes out is ready to invoke.
 * @module
 */
import { NotFoundError } from '../core/errors.js'
import { RequestData } from '../core/data.js'
import { actionMethodName } from '../core/names.js'
import type { DispatchCall, MoonlightApp, MoonlightRequest } from '../core/context.js'
import type { ContextUser } from '../core/user.js'
import type { Settings } from '../../config/settings.js'
import { authenticate, type AuthBackend } from '../auth/backends.js'
import { rules as checkRules } from '../validation/rules.js'
import { actionMetaOf, enforceAuth, Service } from './service.js'
import type { SwitchRegistry } from './registry.js'

/** What resolution needs of the app (wired once by the façade). */
export interface CallEnv {
  readonly registry: SwitchRegistry
  readonly app: MoonlightApp
  readonly auth: AuthBackend[]
  /** Reports an error that does not fail the call (a throwing auth backend). */
  report(err: unknown, context: Record<string, unknown>): void
}

/** Per-call options of resolution. */
export interface CallHooks {
  /** Run the auth chain on `call.request` (HTTP calls; jobs and frames bring their user). */
  authenticate?: boolean
  /** Sees the MoonlightRequest as soon as it exists (before auth and rules are enforced). */
  onCall?(request: MoonlightRequest): void
}

/** A call ready to invoke. */
export interface ResolvedCall {
  readonly instance: Service & Record<string, unknown>
  readonly method: string
  readonly fn: (...args: unknown[]) => unknown
  readonly request: MoonlightRequest
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

/** Resolves a call; throws the HttpError (404, 401, 403, 422) or Error (deactivated action) that answers it. */
export async function resolveCall(env: CallEnv, call: DispatchCall, hooks: CallHooks = {}): Promise<ResolvedCall> {
  return resolveCallNow(env, call, hooks)
}

const NO_HOOKS: CallHooks = {}

/**
 * {@link resolveCall} without a promise when no auth chain runs (the common case): the resolved
 * call, or a promise of it while the auth backends run. Throws synchronously what the promise
 * would reject with.
 */
export function resolveCallNow(env: CallEnv, call: DispatchCall, hooks: CallHooks = NO_HOOKS): ResolvedCall | Promise<ResolvedCall> {
  const settings = env.app.settings
  if (hooks.authenticate && call.request && env.auth.length) {
    return authenticate(env.auth, { request: call.request, service: str(call.service), action: str(call.action), settings },
      (err, name) => env.report(err, { backend: name })).then((user) => resolved(env, call, hooks, settings, user))
  }
  return resolved(env, call, hooks, settings, call.auth ?? null)
}

function resolved(env: CallEnv, call: DispatchCall, hooks: CallHooks, settings: Settings, user: ContextUser | null): ResolvedCall {
  const { app, registry } = env
  const version = call.switch ?? registry.defaultVersion
  const services = registry.get(version)
  if (!services) throw new NotFoundError(`API version ${version} is not registered: use one of ${registry.versions().join(', ') || '(none)'}`)
  if (!call.service || typeof call.service !== 'string') throw new NotFoundError('Service not defined in request data')
  if (!call.action || typeof call.action !== 'string') throw new NotFoundError('Action not defined in request data')
  const cls = Object.prototype.hasOwnProperty.call(services, call.service) ? services[call.service] : undefined
  if (!cls) throw new NotFoundError(`Service ${call.service} not found in API ${version}`)
  const method = actionMethodName(call.action)
  const off = cls.deactivatedActions
  if (off !== undefined && off.length > 0 && off.some((a) => actionMethodName(a) === method)) {
    throw new Error(`Action ${call.action} is currently deactivated.`)
  }
  const instance = new cls() as Service & Record<string, unknown>
  const fn = instance[method]
  if (typeof fn !== 'function' || !method.endsWith('Action') || method in Service.prototype) {
    throw new NotFoundError(`Action ${method} not found in the ${call.service} context`)
  }
  const data = new RequestData(call.data ?? {})
  const request: MoonlightRequest = {
    request: call.request ?? new Request(`http://localhost${app.apiBase}${version}`, { method: 'POST' }),
    switch: version,
    service: call.service,
    action: call.action,
    data,
    files: call.files ?? {},
    user,
    settings,
    attributes: new Map(),
    app,
  }
  instance.request = request
  hooks.onCall?.(request)
  const meta = actionMetaOf(cls, call.action)
  enforceAuth(instance, meta.auth)
  if (meta.rules) checkRules(data, meta.rules)
  return { instance, method, fn: fn as (...args: unknown[]) => unknown, request }
}
