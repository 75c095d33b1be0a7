/**
 * The one list of body rules shared by every response path (rr frames, light responses, node:http,
 * Moonlight): which statuses never carry a body, and which methods carry none.
 * @module
 */

import { NULL_BODY_STATUS } from './null-body.js'

/** Statuses whose responses carry no body (the list lives in null-body.ts, with the error that names the fix). */
export { NULL_BODY_STATUS }

/** Request methods without a body (fetch refuses one for GET and HEAD). */
export const NO_BODY_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD'])

/** True when a response with this status never carries a body. */
export function isNullBodyStatus(status: number): boolean {
  return NULL_BODY_STATUS.has(status)
}

/** True when a response to `method` with `status` may carry body bytes (never for HEAD). */
export function responseBodyAllowed(method: string, status: number): boolean {
  return method !== 'HEAD' && !NULL_BODY_STATUS.has(status)
}

/** The answer when a handler failed before sending anything: the one 500 of every HTTP path. */
export const INTERNAL_ERROR = {
  status: 500,
  contentType: 'text/plain; charset=utf-8',
  text: 'Internal Server Error\n',
} as const
