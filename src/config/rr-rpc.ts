/**
 * Where rr's RPC listens, read in one place for every client (rpc, jobs queue, cache, realtime, the
 * worker's environment): an explicit setting first, else the RR_RPC rr gives its workers, else rr's
 * default `tcp://127.0.0.1:6001`. Blank values count as unset.
 * @module
 */

/** rr's default `rpc.listen`. */
export const DEFAULT_RPC_ADDRESS = 'tcp://127.0.0.1:6001'

/** RR_RPC as rr set it for this process (trimmed), or undefined outside rr. */
export function rrRpcFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.RR_RPC?.trim() || undefined
}

/** The address to dial: `explicit` (a setting), else RR_RPC, else {@link DEFAULT_RPC_ADDRESS}. */
export function rrRpcAddress(explicit?: string | null, env: NodeJS.ProcessEnv = process.env): string {
  return explicit?.trim() || rrRpcFromEnv(env) || DEFAULT_RPC_ADDRESS
}
