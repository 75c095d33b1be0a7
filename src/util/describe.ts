/**
 * How an error is put into words, for every log line of the SDK (one source, so every layer prints
 * the same thing for the same failure).
 * @module
 */

/** The error's stack (which starts with its message), or the thrown value as text. */
export function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err)
}

/** The error's message alone (one line for a client or a warning), or the thrown value as text. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
