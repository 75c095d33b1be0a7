/**
 * Picks the relay named by rr's `RR_RELAY` value: `pipes`, `tcp://host:port` or `unix://path`.
 * @module
 */
import type { Relay } from './relay.js'
import { createPipeRelay } from './pipe-relay.js'
import { createSocketRelay, type ConnectOptions } from './socket-relay.js'

/**
 * @example
 * import { createRelay } from 'pionia/relay'
 * const relay = await createRelay(process.env.RR_RELAY ?? 'pipes')
 */
export async function createRelay(dsn: string, options: ConnectOptions = {}): Promise<Relay> {
  const value = dsn.trim()
  if (value === '' || value === 'pipes') return createPipeRelay(options)
  return createSocketRelay(value, options)
}
