/**
 * The error a client call throws when Moonlight answers with a failure code (or not with an envelope).
 * @module
 */

/** A failed call: the envelope's `returnCode`, `returnMessage` and `extraData` (and the HTTP status). */
export class MoonlightError extends Error {
  override readonly name = 'MoonlightError'
  readonly returnCode: number
  readonly returnMessage: string | null
  readonly returnData: unknown
  readonly extraData: unknown
  /** The HTTP status of the answer. */
  readonly status: number
  constructor(envelope: { returnCode: number; returnMessage: string | null; returnData?: unknown; extraData?: unknown }, status: number) {
    super(envelope.returnMessage ?? `Moonlight call failed with returnCode ${envelope.returnCode}`)
    this.returnCode = envelope.returnCode
    this.returnMessage = envelope.returnMessage
    this.returnData = envelope.returnData ?? null
    this.extraData = envelope.extraData ?? null
    this.status = status
  }
}

/** True for a MoonlightError (also across bundles, where instanceof may not hold). */
export function isMoonlightError(err: unknown): err is MoonlightError {
  return err instanceof MoonlightError || (err instanceof Error && err.name === 'MoonlightError' && typeof (err as MoonlightError).returnCode === 'number')
}
