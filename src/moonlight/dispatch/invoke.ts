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

function envelopeOf(call: ResolvedCall, result: unknown): Envelope {
  if (!isEnvelope(result)) {
    throw new Error(`${call.instance.constructor.name}.${call.method} did not return an envelope: return response(code, message, data) from every action`)
  }
  return normalizeEnvelope(result)
}
