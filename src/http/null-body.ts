/**
 * Responses with a null-body status (101, 103, 204, 205, 304) cannot carry a body: the WHATWG
 * `Response` constructor throws (undici: "Invalid response status code 204"), and so does
 * LightResponse, with {@link nullBodyMessage}. Hono answers 500 for it everywhere (`c.text('x', 204)`).
 * The worker keeps that behaviour (a handler works the same in tests with the native Response and
 * under rr) and makes the mistake loud: {@link nullBodyStatusOf} recognises both errors so the
 * worker can warn with the exact fix.
 * @module
 */

/** Statuses whose response has no body (Fetch standard "null body status"). */
export const NULL_BODY_STATUS: ReadonlySet<number> = new Set([101, 103, 204, 205, 304])

/** What is wrong and how to fix it (without the `[pionia]` prefix of the log line). */
export function nullBodyMessage(status: number): string {
  return `a ${status} response cannot have a body: drop the body or use 200`
}

const OURS = /^a (\d{3}) response cannot have a body: /
const UNDICI = /Invalid response status code (\d{3})$/

/** The status when `err` is the "null-body status with a body" error of either constructor. */
export function nullBodyStatusOf(err: unknown): number | undefined {
  if (!(err instanceof TypeError)) return undefined
  const m = OURS.exec(err.message) ?? UNDICI.exec(err.message)
  const status = m ? Number(m[1]) : undefined
  return status !== undefined && NULL_BODY_STATUS.has(status) ? status : undefined
}
