/**
 * The one reader of the variables rr sets for its workers (RR_MODE, RR_RELAY, RR_RPC, RR_VERSION).
 * @module
 */
import { rrRpcFromEnv } from '../config/rr-rpc.js'

/** What rr told this worker about itself. */
export interface Environment {
  /** Which plugin spawned the worker: `http`, `jobs`, `centrifuge`, `tcp`, … (empty outside rr). */
  readonly mode: string
  /** `pipes`, `tcp://host:port` or `unix://path` (default `pipes`). */
  readonly relay: string
  /** rr's RPC address (`tcp://127.0.0.1:6001`), when the rpc plugin is configured. */
  readonly rpc: string | undefined
  /** rr's version, e.g. `2025.1.15`. */
  readonly version: string | undefined
  /** True when RR_RELAY is set: this process was started by rr. */
  readonly underRoadRunner: boolean
}

let cached: Environment | undefined

/**
 * Reads the environment once (parsing is cached for `process.env`).
 * @example
 * import { readEnvironment } from 'pionia/worker'
 * if (readEnvironment().mode === 'jobs') startConsumer()
 */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env): Environment {
  if (env === process.env && cached) return cached
  const e: Environment = Object.freeze({
    mode: (env.RR_MODE ?? '').trim(),
    relay: (env.RR_RELAY ?? '').trim() || 'pipes',
    rpc: rrRpcFromEnv(env),
    version: env.RR_VERSION?.trim() || undefined,
    underRoadRunner: env.RR_RELAY !== undefined && env.RR_RELAY.trim() !== '',
  })
  if (env === process.env) cached = e
  return e
}
