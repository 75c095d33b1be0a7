/**
 * Action invocation: runs the resolved action and hands its envelope on (exactly the four keys).
 * @module
 */
import { isEnvelope, normalizeEnvelope, type Envelope } from '../core/envelope.js'
import type { ResolvedCall } from './resolve.js'

/** Runs the action; a result that is not an envelope is an error that says what to return. */
export async function invokeAction(call: ResolvedCall): Promise<Envelope> {
  const { instance, fn, request } = call
  const result = await fn.call(instance, request.data, request.files, request)
  if (!isEnvelope(result)) {
    throw new Error(`${instance.constructor.name}.${call.method} did not return an envelope: return response(code, message, data) from every action`)
  }
  return normalizeEnvelope(result)
}
