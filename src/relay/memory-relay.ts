/**
 * An in-memory relay pair for unit tests and examples: bytes written on one side are decoded on the
 * other, through the same codec as the real relays.
 * @module
 */
import { PassThrough } from 'node:stream'
import { StreamRelay } from './relay.js'

/** Returns two connected relays: `[a, b]`; what `a` sends, `b` receives, and the other way round. */
export function createMemoryRelayPair(): [StreamRelay, StreamRelay] {
  const ab = new PassThrough()
  const ba = new PassThrough()
  return [new StreamRelay('memory', ba, ab), new StreamRelay('memory', ab, ba)]
}
