/**
 * The bodies a jobs worker answers rr with: JSON `{"type": N, "data": {...}}` in the frame body
 * (jobs@v5.1.9 protocol/handler.go, protocol/responses.go). Only these four shapes are sent:
 *
 * | type | name    | rr does                                                        |
 * |------|---------|----------------------------------------------------------------|
 * | 1    | ERROR   | logs; requeue=true → Requeue(headers, delay), else **Ack**     |
 * | 2    | ACK     | Ack                                                            |
 * | 3    | NACK    | NackWithOptions(requeue, delay_seconds); headers are ignored   |
 * | 4    | REQUEUE | merge headers into the job, push it again after delay_seconds  |
 *
 * Type 0 (the deprecated "no error") is never sent. `delay_seconds` is whole seconds.
 * @module
 */

/** Header values as rr keeps them: name → list of values. */
export type HeaderValues = Record<string, string[]>

export const TYPE_ERROR = 1
export const TYPE_ACK = 2
export const TYPE_NACK = 3
export const TYPE_REQUEUE = 4

/** One answer to rr for one job. */
export type JobResponse =
  | { type: typeof TYPE_ACK; data: Record<string, never> }
  | { type: typeof TYPE_NACK; data: { message: string; requeue: boolean; delay_seconds: number } }
  | { type: typeof TYPE_REQUEUE; data: { message: string; delay_seconds: number; headers: HeaderValues } }
  | { type: typeof TYPE_ERROR; data: { message: string; requeue: boolean; delay_seconds: number; headers: HeaderValues } }

function seconds(delay: number | undefined, what: string): number {
  const d = delay ?? 0
  if (!Number.isInteger(d) || d < 0) {
    throw new TypeError(`${what}: delay must be a whole number of seconds >= 0 (rr's delay_seconds is an int), got ${String(delay)}`)
  }
  return d
}

export function ackResponse(): JobResponse {
  return { type: TYPE_ACK, data: {} }
}

export function nackResponse(message: string, requeue: boolean, delay?: number): JobResponse {
  return { type: TYPE_NACK, data: { message, requeue, delay_seconds: seconds(delay, 'nack') } }
}

export function requeueResponse(message: string, delay: number | undefined, headers: HeaderValues): JobResponse {
  return { type: TYPE_REQUEUE, data: { message, delay_seconds: seconds(delay, 'requeue'), headers } }
}

export function errorResponse(message: string, requeue: boolean, delay: number | undefined, headers: HeaderValues): JobResponse {
  return { type: TYPE_ERROR, data: { message, requeue, delay_seconds: seconds(delay, 'fail'), headers } }
}

/** The wire bytes of a response. */
export function encodeResponse(r: JobResponse): Buffer {
  return Buffer.from(JSON.stringify(r), 'utf8')
}

/** A short word for logs: ack, nack, nack+requeue, requeue, fail, fail+requeue. */
export function outcomeOf(r: JobResponse): string {
  switch (r.type) {
    case TYPE_ACK:
      return 'ack'
    case TYPE_NACK:
      return r.data.requeue ? 'nack+requeue' : 'nack'
    case TYPE_REQUEUE:
      return 'requeue'
    case TYPE_ERROR:
      return r.data.requeue ? 'fail+requeue' : 'fail'
  }
}
