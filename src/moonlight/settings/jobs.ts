/**
 * The seam between Moonlight and rr's jobs: the jobs layer implements JobQueue (push over rr's RPC)
 * and installs it with `app.useJobQueue(queue)`. Moonlight decides when to use it (the gate below)
 * and what to do when it cannot (run the call in-process: at once for `moonlight().async`, after the
 * response for the buffered `async(...)`).
 * @module
 */
import type { Settings } from '../../config/settings.js'
import { isTruthy } from '../../config/settings.js'
import { DEFAULT_RPC_ADDRESS } from '../../config/rr-rpc.js'
export type { JobQueue } from '../core/defer.js'

/** `[jobs]` as read now (fresh from settings.ini). */
export interface JobsConfig {
  enabled: boolean
  pipeline: string
  rpc: string
  task: string
}

/** Reads `[jobs]`: ENABLED (env JOBS_ENABLED as fallback), PIPELINE, RPC, TASK. */
export function jobsConfig(settings: Settings): JobsConfig {
  const get = (k: string) => settings.get('jobs', k)
  return {
    enabled: isTruthy(get('ENABLED') ?? settings.env('JOBS_ENABLED')),
    pipeline: get('PIPELINE') ?? 'moonlight',
    rpc: get('RPC') ?? DEFAULT_RPC_ADDRESS,
    task: get('TASK') ?? 'moonlight.dispatch',
  }
}

/** Jobs enabled, not under `pionia serve`, and not in testing mode (unless PIONIA_JOBS_QUEUE is set). */
export function jobsGateOpen(settings: Settings): boolean {
  if (!jobsConfig(settings).enabled) return false
  // The dev server has no rr next to it: jobs run in-process.
  if (settings.env('PIONIA_RUNTIME') === 'serve') return false
  const testing = isTruthy(settings.env('PIONIA_TESTING')) || settings.env('PIONIA_RUNTIME') === 'testing'
  return !testing || isTruthy(settings.env('PIONIA_JOBS_QUEUE'))
}
