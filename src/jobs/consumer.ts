/**
 * The RR_MODE=jobs consumer: decode each job into a {@link ReceivedTask}, run the handler, send
 * exactly one answer, log one line. A handler that throws gets the job requeued with an attempt
 * counter header until `maxAttempts`, then nacked without requeue; the worker never dies from a job.
 * @module
 */
import type { Payload } from '../worker/messages.js'
import type { Worker } from '../worker/worker.js'
import type { PayloadHandler, RunOptions } from '../worker/run.js'
import { runWorker } from '../worker/run.js'
import { readEnvironment } from '../worker/environment.js'
import { RpcClient } from '../rpc/client.js'
import { jobs as jobsService } from '../rpc/services/jobs.js'
import { ATTEMPTS_HEADER, JobContextError, ReceivedTask, decodeJobContext } from './task.js'
import { ackResponse, encodeResponse, nackResponse, outcomeOf, requeueResponse, type JobResponse } from './responses.js'
import { InflightJournal, claimOrphans, defaultJournalDir } from './journal.js'

/** Runs one job. Answer through `task` (ack/nack/requeue/fail); returning without an answer acks. */
export type JobHandler = (task: ReceivedTask) => unknown | Promise<unknown>

export interface ConsumerOptions {
  /** Deliveries per job before a throwing handler's job is dropped (nack, no requeue). Default 3. */
  maxAttempts?: number
  /** Seconds before a failed job is retried (default 0). */
  retryDelay?: number
  /**
   * Pipelines whose jobs are pushed with `auto_ack` (rr acks them on delivery). A handler that throws
   * on such a job is logged, not retried: the producer chose at-most-once.
   */
  autoAckPipelines?: readonly string[]
  /**
   * Errors no retry can fix (bad input): the job is nacked without requeue at once and logged.
   * Default: none, every throw is retried up to maxAttempts.
   */
  permanent?: (err: unknown) => boolean
  /** The job's name in the log line (default `task.name`). */
  label?: (task: ReceivedTask) => string
  /** Where the per-job line and failures go (default stderr: rr shows it in its log). */
  log?: (line: string) => void
  /**
   * Re-push jobs whose consumer process died mid-job (see journal.ts). Default: on for drivers that
   * drop a job when its worker dies (`memory`), when rr's RPC address (RR_RPC) is known.
   */
  recoverInFlight?: boolean | { dir?: string; drivers?: readonly string[] }
  /** RPC client used to re-push recovered jobs (default: one for RR_RPC). */
  rpc?: RpcClient
}

const stderrLine = (line: string): void => {
  process.stderr.write(line.endsWith('\n') ? line : line + '\n')
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/**
 * Builds the jobs-mode payload handler, for `serve({ modes: { jobs: jobConsumer(handler) } })`.
 * @example
 * import { serve } from 'pionia'
 * import { jobConsumer } from 'pionia/jobs'
 * await serve({ modes: { jobs: jobConsumer(async (task) => { await sendMail(task.json()) }) } })
 */
export function jobConsumer(handler: JobHandler, options: ConsumerOptions = {}): PayloadHandler {
  const maxAttempts = options.maxAttempts ?? 3
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new TypeError(`jobConsumer: maxAttempts must be a whole number >= 1, got ${String(options.maxAttempts)}`)
  }
  const log = options.log ?? stderrLine
  const label = options.label ?? ((t: ReceivedTask) => t.name || '(unnamed)')
  const autoAck = new Set(options.autoAckPipelines ?? [])
  const recovery = setUpRecovery(options, log)

  return async (payload: Payload, worker: Worker): Promise<void> => {
    const started = performance.now()
    let task: ReceivedTask
    try {
      task = new ReceivedTask(decodeJobContext(payload.context), payload.body)
    } catch (err) {
      // Not a job we can read: nack without requeue so it cannot loop, and say why.
      log(`jobs: id=? job=? outcome=nack error=${JSON.stringify(errorText(err))}`)
      await worker.respond({ body: encodeResponse(nackResponse(errorText(err), false)) })
      return
    }
    const journal = recovery?.journalFor(task.driver)
    journal?.begin(
      { id: task.id, job: task.name, pipeline: task.pipeline, driver: task.driver, headers: { ...task.headers } },
      task.payload,
    )
    let response: JobResponse
    let note = ''
    try {
      await handler(task)
      response = task.response ?? ackResponse()
    } catch (err) {
      if (task.response) {
        // The handler answered, then threw: keep its answer.
        response = task.response
        note = ` error=${JSON.stringify(errorText(err))}`
      } else if (autoAck.has(task.pipeline)) {
        response = ackResponse()
        note = ` error=${JSON.stringify(errorText(err))} auto_ack=true (not retried)`
      } else if (options.permanent?.(err)) {
        response = nackResponse(errorText(err), false)
        note = ` permanent=true error=${JSON.stringify(errorText(err))}`
      } else if (task.attempt >= maxAttempts) {
        response = nackResponse(`gave up after ${task.attempt} attempts: ${errorText(err)}`, false)
        note = ` attempts=${task.attempt} gave_up=true error=${JSON.stringify(errorText(err))}`
        if (err instanceof Error && err.stack) log(`jobs: job ${task.id} failed for the last time: ${err.stack}`)
      } else {
        response = requeueResponse(errorText(err), options.retryDelay, { [ATTEMPTS_HEADER]: [String(task.attempt)] })
        note = ` attempt=${task.attempt} error=${JSON.stringify(errorText(err))}`
      }
    }
    await worker.respond({ body: encodeResponse(response) })
    journal?.end()
    const ms = (performance.now() - started).toFixed(1)
    log(`jobs: id=${task.id} job=${label(task)} pipeline=${task.pipeline} outcome=${outcomeOf(response)} duration=${ms}ms${note}`)
  }
}

/**
 * Runs a jobs worker until rr stops it (the whole process: for a worker file that only consumes).
 * @example
 * import { consumeJobs } from 'pionia/jobs'
 * await consumeJobs((task) => console.error(task.id, task.json()))
 */
export function consumeJobs(handler: JobHandler, options: ConsumerOptions & RunOptions = {}): Promise<void> {
  return runWorker(jobConsumer(handler, options), options)
}

interface Recovery {
  journalFor(driver: string): InflightJournal | undefined
}

function setUpRecovery(options: ConsumerOptions, log: (line: string) => void): Recovery | undefined {
  if (options.recoverInFlight === false) return undefined
  const env = readEnvironment()
  const cfg = typeof options.recoverInFlight === 'object' ? options.recoverInFlight : {}
  const address = options.rpc?.address ?? env.rpc
  if (!address || env.mode !== 'jobs') return undefined
  const drivers = new Set(cfg.drivers ?? ['memory'])
  const journal = new InflightJournal(cfg.dir ?? defaultJournalDir(address))
  void recoverOrphans(journal.dir, options.rpc ?? new RpcClient(address, { timeoutMs: 10_000 }), options, log)
  return { journalFor: (driver) => (drivers.has(driver) ? journal : undefined) }
}

/** Pushes the jobs of consumers that died mid-job again, same id, attempt counter + 1. */
async function recoverOrphans(dir: string, rpc: RpcClient, options: ConsumerOptions, log: (line: string) => void): Promise<void> {
  const orphans = claimOrphans(dir)
  if (orphans.length === 0) {
    if (!options.rpc) await rpc.close()
    return
  }
  const queue = jobsService(rpc)
  const maxAttempts = options.maxAttempts ?? 3
  for (const o of orphans) {
    const e = o.entry
    // The delivery that died was attempt `attempts`; the header counts failed attempts.
    const attempts = (Number(e.headers[ATTEMPTS_HEADER]?.[0]) || 0) + 1
    if (attempts >= maxAttempts) {
      log(`jobs: id=${e.id} job=${e.job} pipeline=${e.pipeline} outcome=dropped error="its consumer died during attempt ${attempts} of ${maxAttempts}"`)
      o.done()
      continue
    }
    try {
      await queue.push(e.job, Buffer.from(e.payload, 'base64'), {
        id: e.id,
        pipeline: e.pipeline,
        headers: { ...e.headers, [ATTEMPTS_HEADER]: [String(attempts)] },
      })
      o.done()
      log(`jobs: id=${e.id} job=${e.job} pipeline=${e.pipeline} outcome=recovered (consumer pid ${e.pid} died mid-job; pushed again)`)
    } catch (err) {
      o.release()
      log(`jobs: id=${e.id} could not be recovered yet (${errorText(err)}); the next consumer to start retries`)
    }
  }
  if (!options.rpc) await rpc.close()
}
