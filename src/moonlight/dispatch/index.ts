/**
 * The dispatch stages: call resolution then action invocation, plus what they are built from
 * (services, their metadata, the switch registry, the catalog).
 * @module
 */
import type { DispatchCall } from '../core/context.js'
import type { Envelope } from '../core/envelope.js'
import { resolveCallNow, type CallEnv, type CallHooks } from './resolve.js'
import { invokeAction, invokeInto, type CallSink } from './invoke.js'

export { resolveCall, resolveCallNow, type CallEnv, type CallHooks, type ResolvedCall } from './resolve.js'
export { invokeAction, invokeInto, type CallSink } from './invoke.js'
export { SwitchRegistry, type SwitchMap } from './registry.js'
export { catalogOf } from './catalog.js'
export { openapiOf, type OpenApiInput, type ErrorCodes } from './openapi.js'
export { Service, enforceAuth, resolveActionMeta, type Action, type ActionMeta, type AuthRule, type ServiceAuth, type ServiceClass } from './service.js'
export { GenericService, type GenericServiceClass } from './generic-service.js'
export { readPage, pageInfo, type Page } from './pagination.js'
export { Authenticated, Can, CanAny, Validated, ValidateField } from './decorators.js'

/** One call through both stages: resolve, then invoke. Errors propagate (the caller renders them). */
export function runCall(env: CallEnv, call: DispatchCall, hooks?: CallHooks): Promise<Envelope> {
  let resolved
  try {
    resolved = resolveCallNow(env, call, hooks)
  } catch (err) {
    return Promise.reject(err)
  }
  return resolved instanceof Promise ? resolved.then(invokeAction) : invokeAction(resolved)
}

/**
 * {@link runCall} with the outcome (envelope or error) handed to `sink`, folded into the action's
 * own promise (see {@link invokeInto}): the HTTP front's path. A resolution error (404, 401, 422…)
 * reaches `sink.failed` synchronously.
 */
export function runCallInto<T>(env: CallEnv, call: DispatchCall, hooks: CallHooks | undefined, sink: CallSink<T>): T | Promise<T> {
  let resolved
  try {
    resolved = resolveCallNow(env, call, hooks)
  } catch (err) {
    return sink.failed(err)
  }
  if (resolved instanceof Promise) return resolved.then((r) => invokeInto(r, sink), (err: unknown) => sink.failed(err))
  return invokeInto(resolved, sink)
}
