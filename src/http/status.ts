/**
 * The one list of body rules shared by every response path (rr frames, light responses, node:http,
 * Moonlight): which statuses never carry a body, and which methods carry none.
 * @module
 */

/** Statuses whose responses carry no body: fetch's null body statuses (Go refuses a body for 204/205/304). */
export const NULL_BODY_STATUS: ReadonlySet<number> = new Set([101, 103, 204, 205, 304])

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
