/**
 * Every HTTP status Moonlight answers with, decided in one table: the outcome of the pipeline
 * (which stage answered, and how) → the status. Envelopes carry their own returnCode; this table
 * says which HTTP status goes with it.
 * @module
 */

/** What answered the request. */
export type Outcome =
  /** The maintenance gate: its configured code (503 unless MAINTENANCE_CODE). */
  | 'maintenance'
  /** A CORS preflight. */
  | 'preflight'
  /** HTTPS_ONLY refused a plain-HTTP request. */
  | 'https-only'
  /** No Moonlight route (or a hidden catalog). */
  | 'not-found'
  /** A Moonlight route called with the wrong method. */
  | 'method-not-allowed'
  /** ping, the overview, the catalog. */
  | 'page'
  /** A service call: the envelope's returnCode decides. */
  | 'call'
  /** A failure outside any action (the pipeline itself threw). */
  | 'crash'

/** The status table. `code` is the gate's or the envelope's code; `classic` is `[server] HTTP_STATUS = classic`. */
const TABLE: Record<Outcome, (code: number, classic: boolean) => number> = {
  maintenance: (code) => code,
  preflight: () => 204,
  'https-only': (_code, classic) => (classic ? 200 : 403),
  'not-found': () => 404,
  'method-not-allowed': () => 405,
  page: () => 200,
  // The code itself for 4xx/5xx (and 202), else 200; classic mode: always 200, as the PHP code does.
  call: (code, classic) => (classic ? 200 : code >= 400 && code <= 599 ? code : code === 202 ? 202 : 200),
  crash: () => 500,
}

/** The HTTP status for an outcome. */
export function httpStatus(outcome: Outcome, code = 0, classic = false): number {
  return TABLE[outcome](code, classic)
}

/** The HTTP status for an envelope's returnCode (the `call` row of the table). */
export function statusFor(returnCode: number, classic: boolean): number {
  return TABLE.call(returnCode, classic)
}
