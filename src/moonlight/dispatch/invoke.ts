/**
 * Action invocation: runs the resolved action and hands its envelope on (exactly the four keys).
 * @module
 */
import { isEnvelope, normalizeEnvelope, type Envelope } from '../core/envelope.js'
import type { ResolvedCall } from './resolve.js'

/** Runs the action; a result that is not an envelope is an error that says what to return. */
export function invokeAction(call: ResolvedCall): Promise<Envelope> {
  const { instance, fn, request } = call
  let result: unknown
  try {
    result = fn.call(instance, request.data, request.files, request)
  } catch (err) {
    return Promise.reject(err)
  }
  // One promise for the usual async action (`.then` on its own), none beyond it for a sync one.
  if (result instanceof Promise) return result.then((r) => envelopeOf(call, r))
  if (result != null && (typeof result === 'object' || typeof result === 'function') && typeof (result as { then?: unknown }).then === 'function') {
    return Promise.resolve(result).then((r) => envelopeOf(call, r))
  }
  try {
    return Promise.resolve(envelopeOf(call, result))
  } catch (err) {
    return Promise.reject(err)
  }
}

/** What receives a call's outcome: its envelope, or the error that fails it. Neither may throw. */
export interface CallSink<T> {
  answered(envelope: Envelope): T
  failed(err: unknown): T
}

/**
 * {@link invokeAction} with the outcome handed to `sink` inside the action's own `.then`: one
 * promise per call beyond the action's instead of a chain of them, and none at all when the
 * action returns synchronously (the sink's value is returned as is then).
 */
export function invokeInto<T>(call: ResolvedCall, sink: CallSink<T>): T | Promise<T> {
  const { instance, fn, request } = call
  let result: unknown
  try {
    result = fn.call(instance, request.data, request.files, request)
  } catch (err) {
    return sink.failed(err)
  }
  if (result instanceof Promise) return result.then((r) => settleInto(call, r, sink), (err: unknown) => sink.failed(err))
  if (result != null && (typeof result === 'object' || typeof result === 'function') && typeof (result as { then?: unknown }).then === 'function') {
    return Promise.resolve(result).then((r) => settleInto(call, r, sink), (err: unknown) => sink.failed(err))
  }
  return settleInto(call, result, sink)
}

function settleInto<T>(call: ResolvedCall, result: unknown, sink: CallSink<T>): T {
  let envelope: Envelope
  try {
    envelope = envelopeOf(call, result)
  } catch (err) {
    return sink.failed(err)
  }
  return sink.answered(envelope)
}

function envelopeOf(call: ResolvedCall, result: unknown): Envelope {
  if (!isEnvelope(result)) {
    throw new Error(`${call.instance.constructor.name}.${call.method} did not return an envelope: return response(code, message, data) from every action`)
  }
  return normalizeEnvelope(result)
}
