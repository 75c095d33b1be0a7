/**
 * Pushing with an outbox (see outbox.ts): a push to a memory pipeline leaves a copy of the job on
 * disk until its consumer finished it, so a job rr drops while delivering it to a dying worker is
 * pushed again. Pipelines of other drivers are pushed as they are (the broker keeps the job).
 * @module
 */
import { randomUUID } from 'node:crypto'
import type { RpcClient } from '../rpc/client.js'
import { jobs, type JobsService } from '../rpc/services/jobs.js'
import { defaultOutboxDir, outboxAdd, outboxRemove } from './outbox.js'
import type { HeaderValues } from './responses.js'

export interface OutboxPushOptions {
  pipeline: string
  headers?: HeaderValues
  id?: string
}

export interface OutboxProducer {
  /** Pushes `body` as job `name`; resolves with the job id once rr accepted it. */
  push(name: string, body: Uint8Array, options: OutboxPushOptions): Promise<string>
}

/**
 * A producer for rr at `rpc.address` whose pushes to memory pipelines go through the outbox.
 * The driver of each pipeline is asked once (jobs.Stat); a pipeline rr does not list (or a stat
 * that fails) is pushed without the outbox.
 */
export function outboxProducer(rpc: RpcClient, options: { dir?: string } = {}): OutboxProducer {
  const dir = options.dir ?? defaultOutboxDir(rpc.address)
  const queue: JobsService = jobs(rpc)
  const drivers = new Map<string, string>()
  const driverOf = async (pipeline: string): Promise<string | undefined> => {
    const known = drivers.get(pipeline)
    if (known !== undefined) return known
    try {
      for (const st of await queue.stat()) drivers.set(st.pipeline, st.driver)
    } catch {
      return undefined // rr unreachable: the push itself fails and says so
    }
    return drivers.get(pipeline)
  }
  return {
    async push(name, body, o) {
      const id = o.id ?? randomUUID()
      const kept = (await driverOf(o.pipeline)) === 'memory'
      if (kept) {
        outboxAdd(dir, { id, job: name, pipeline: o.pipeline, headers: o.headers ?? {}, payload: Buffer.from(body).toString('base64') })
      }
      try {
        await queue.push(name, body, { id, pipeline: o.pipeline, ...(o.headers ? { headers: o.headers } : {}) })
      } catch (err) {
        if (kept) outboxRemove(dir, id)
        throw err
      }
      return id
    },
  }
}
