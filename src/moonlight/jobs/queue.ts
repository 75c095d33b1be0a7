/**
 * The rr side of `moonlight().async(service, action, payload, switch?)`: a {@link JobQueue} that
 * pushes `{service, action, payload, switch}` (JSON) as job `[jobs] TASK` to pipeline
 * `[jobs] PIPELINE` over rr's RPC. `[jobs]` is read on every push (Settings re-reads settings.ini
 * only when it changed), so editing it needs no restart. A push that fails rejects, and Moonlight
 * falls back to running the action at once (its envelope is the answer) with one warning.
 * @module
 */
import type { Settings } from '../../config/settings.js'
import { RpcClient } from '../../rpc/client.js'
import { outboxProducer, type OutboxProducer } from '../../jobs/producer.js'
import { jobsConfig, type JobQueue } from '../settings/jobs.js'
import type { MoonlightJob } from '../core/defer.js'
import { findApp } from '../core/current.js'
import { rrRpcAddress } from '../settings/rpc.js'

export interface RrJobQueueOptions {
  /** Per-push RPC timeout in ms (default 5000): a slow rr should not hold a request for long. */
  timeoutMs?: number
}

/**
 * Where to reach rr: inside an rr worker the RR_RPC rr gave it (a different `[jobs] RPC` is logged
 * once and ignored), outside rr `[jobs] RPC`, else tcp://127.0.0.1:6001 (Pionia's default).
 */
function rpcAddress(settings: Settings): string {
  const logger = findApp()?.logger
  return rrRpcAddress('jobs', settings.get('jobs', 'RPC'), jobsConfig(settings).rpc, logger ? (m) => logger.warn(m) : undefined)!
}

/**
 * @example
 * import { createApp } from 'pionia/moonlight'
 * import { rrJobQueue } from 'pionia/moonlight/jobs'
 * const app = createApp({ switches })
 * app.useJobQueue(rrJobQueue(app.settings))
 */
export function rrJobQueue(settings: Settings, options: RrJobQueueOptions = {}): JobQueue {
  // per address: memory-pipeline pushes keep an outbox copy until a consumer finished the job
  const producers = new Map<string, OutboxProducer>()
  const producerFor = (address: string): OutboxProducer => {
    let p = producers.get(address)
    if (!p) {
      p = outboxProducer(new RpcClient(address, { timeoutMs: options.timeoutMs ?? 5000, connectAttempts: 2 }))
      producers.set(address, p)
    }
    return p
  }
  return {
    async push(job: MoonlightJob): Promise<string> {
      const cfg = jobsConfig(settings)
      const body = { service: job.service, action: job.action, payload: job.payload, switch: job.switch }
      return producerFor(rpcAddress(settings)).push(cfg.task, Buffer.from(JSON.stringify(body)), { pipeline: cfg.pipeline })
    },
  }
}
