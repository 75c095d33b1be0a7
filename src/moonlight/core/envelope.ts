/**
 * The Moonlight response envelope: always exactly four keys, in this order.
 * @module
 */

/** What every Moonlight call answers with. `returnCode` 0 means success by convention. */
export interface Envelope<T = unknown> {
  returnCode: number
  returnMessage: string | null
  returnData: T | null
  extraData: unknown
}

/** The mark of envelopes built by another copy of this module (older versions mark this way). */
const kEnvelope = Symbol.for('pionia.moonlight.envelope')

/** Returns what it is given: a subclass's private field is then installed on that object. */
class Passthrough {
  constructor(o: object) {
    return o
  }
}

/**
 * Marks objects as built by `response()` with a private field: invisible to keys, symbols, JSON,
 * spread and equality checks, and a plain property store (Object.defineProperty is a slow runtime
 * call). One class per process (shared through the global registry), so every copy of this
 * module recognises the others' envelopes.
 */
interface EnvelopeMark {
  stamp(o: object): void
  has(o: object): boolean
}
const kMark = Symbol.for('pionia.moonlight.envelopeMark')
const mark: EnvelopeMark = ((globalThis as Record<symbol, EnvelopeMark | undefined>)[kMark] ??= (() => {
  class Stamp extends Passthrough {
    readonly #envelope = true
    static has(o: object): boolean {
      return #envelope in o
    }
  }
  return { stamp: (o: object) => void new Stamp(o), has: (o: object) => Stamp.has(o) }
})())

/**
 * Builds an envelope (the counterpart of Pionia's `response()`); a null/undefined code becomes 0.
 * @example
 * import { response } from 'pionia/moonlight'
 * return response(0, 'Task created', { task })
 */
export function response<T = unknown>(
  returnCode: number | null = 0,
  returnMessage: string | null = null,
  returnData: T | null = null,
  extraData: unknown = null,
): Envelope<T> {
  const env: Envelope<T> = {
    returnCode: returnCode ?? 0,
    returnMessage: returnMessage ?? null,
    returnData: returnData ?? null,
    extraData: extraData ?? null,
  }
  mark.stamp(env)
  return env
}

/** True for objects made by `response()` or plain objects carrying the four keys with a numeric code. */
export function isEnvelope(value: unknown): value is Envelope {
  if (!value || typeof value !== 'object') return false
  if (mark.has(value) || (value as Record<symbol, unknown>)[kEnvelope]) return true
  const v = value as Record<string, unknown>
  return typeof v.returnCode === 'number' && 'returnMessage' in v && 'returnData' in v
}

/** Normalises an envelope-like object into exactly the four keys (for JSON output). */
export function normalizeEnvelope(value: Envelope): Envelope {
  return {
    returnCode: value.returnCode ?? 0,
    returnMessage: value.returnMessage ?? null,
    returnData: value.returnData ?? null,
    extraData: value.extraData ?? null,
  }
}
