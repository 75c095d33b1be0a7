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
import { ATTEMPTS_HEADER, ReceivedTask, decodeJobContext } from './task.js'
import { TYPE_ERROR, TYPE_NACK, TYPE_REQUEUE, ackResponse, encodeResponse, nackResponse, outcomeOf, requeueResponse, type JobResponse } from './responses.js'
import { setUpRecovery, type RecoveryOptions } from './recovery.js'

/** Runs one job. Answer through `task` (ack/nack/requeue/fail); returning without an answer acks. */
export type JobHandler = (task: ReceivedTask) => unknown | Promise<unknown>

export interface ConsumerOptions extends RecoveryOptions {
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
}

const stderrLine = (line: string): void => {
  process.stderr.write(line.endsWith('\n') ? line : line + '\n')
}

/** The answer gives the job back to rr's queue (it runs again; its outbox copy stays). */
function handsBack(r: JobResponse): boolean {
  return r.type === TYPE_REQUEUE || ((r.type === TYPE_NACK || r.type === TYPE_ERROR) && r.data.requeue)
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
  const retryDelay = options.retryDelay ?? 0
  if (!Number.isInteger(retryDelay) || retryDelay < 0) {
    // checked here, not per job: a bad value would otherwise fail every retry
    throw new TypeError(`jobConsumer: retryDelay must be a whole number of seconds >= 0, got ${String(options.retryDelay)}`)
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
        response = requeueResponse(errorText(err), retryDelay, { [ATTEMPTS_HEADER]: [String(task.attempt)] })
        note = ` attempt=${task.attempt} error=${JSON.stringify(errorText(err))}`
      }
    }
    // Done with the job for good (not handed back to rr): drop the outbox copy now; until the answer
    // is out, the journal covers it.
    if (journal && !handsBack(response)) journal.finished(task.id)
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
