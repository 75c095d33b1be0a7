/**
 * The pipes relay: frames come from stdin and go to stdout. stdout belongs to the protocol, so this
 * relay writes through stdout's original `write`, captured when this module loads, before the
 * stdout guard (worker/stdout-guard.ts) replaces `process.stdout.write` for user code.
 * @module
 */
import { StreamRelay, type StreamRelayOptions } from './relay.js'

/** stdout's own `write`, captured before anything could replace it. */
export const originalStdoutWrite: (chunk: Uint8Array, cb?: (err?: Error | null) => void) => boolean =
  process.stdout.write.bind(process.stdout) as (chunk: Uint8Array, cb?: (err?: Error | null) => void) => boolean

/** Creates the relay over this process's stdin and stdout. */
export function createPipeRelay(options: StreamRelayOptions = {}): StreamRelay {
  return new StreamRelay('pipes', process.stdin, process.stdout, { write: originalStdoutWrite, ...options })
}
