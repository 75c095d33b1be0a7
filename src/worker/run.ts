/**
 * The worker loop: wait for a payload, hand it to a handler, make sure exactly one response goes
 * back, repeat until rr says stop. A handler that throws yields an error frame; the worker lives on.
 * A handler still running `stopGraceMs` after rr's stop command (or after rr went away) is
 * abandoned: the worker runs its shutdown hook and exits, so a stuck request cannot keep it alive.
 * @module
 */
import { Worker, NotUnderRoadRunnerError, kTake } from './worker.js'
import type { Payload } from './messages.js'
import { answerProbe } from './probe.js'
import { describe } from '../util/describe.js'

/** Handles one request; it must send the response through `worker` (respond/error/stream). */
export type PayloadHandler = (payload: Payload, worker: Worker) => Promise<unknown> | unknown

export interface RunOptions {
  /** Use this worker instead of connecting from the environment. */
  worker?: Worker
  /** Called once after rr's stop command, before the process exits (close DB connections here). */
  onShutdown?: () => Promise<unknown> | unknown
  /** Exit the process when the loop ends (default true: rr waits for the process to go away). */
  exit?: boolean
  /** Shutdown hook time limit in ms (default 5000; rr kills the worker after 10 s). */
  shutdownTimeoutMs?: number
  /**
   * How long a handler may keep running after rr's stop command or after rr went away, in ms
   * (default: env PIONIA_STOP_GRACE_MS, else 5000, under rr's own 10 s kill). Then the worker logs
   * it, runs onShutdown and exits with code 1.
   */
  stopGraceMs?: number
}

function graceOf(options: RunOptions): number {
  if (options.stopGraceMs !== undefined) return options.stopGraceMs
  const env = Number(process.env.PIONIA_STOP_GRACE_MS)
  return Number.isFinite(env) && env >= 0 && process.env.PIONIA_STOP_GRACE_MS !== '' ? env : 5000
}

/** Runs the shutdown hook within its time limit; false when it failed or took too long. */
async function shutdownHook(options: RunOptions): Promise<boolean> {
  if (!options.onShutdown) return true
  const limit = options.shutdownTimeoutMs ?? 5000
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      Promise.resolve().then(options.onShutdown),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`shutdown hook took longer than ${limit} ms`)), limit)
      }),
    ])
    return true
  } catch (err) {
    process.stderr.write(`[pionia] shutdown: ${describe(err)}\n`)
    return false
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Runs `handler` for every payload until rr stops the worker.
 * @example
 * import { runWorker } from 'pionia/worker'
 * await runWorker(async (payload, worker) => worker.respond({ body: payload.body }))
 */
export async function runWorker(handler: PayloadHandler, options: RunOptions = {}): Promise<void> {
  answerProbe(null)
  let worker: Worker
  try {
    worker = options.worker ?? (await Worker.create())
  } catch (err) {
    process.stderr.write(`${err instanceof NotUnderRoadRunnerError ? err.message : describe(err)}\n`)
    process.exitCode = 1
    return
  }
  let busy = false
  let finishing = false
  let stuck: NodeJS.Timeout | undefined
  const finish = async (code: number): Promise<void> => {
    if (finishing) return
    finishing = true
    clearTimeout(stuck)
    if (!(await shutdownHook(options))) code = 1
    await worker.close().catch(() => {})
    if (options.exit !== false) process.exit(code)
  }
  // A handler that never settles would otherwise keep this process alive after rr stopped it or died.
  worker.onStop(() => {
    if (!busy) return
    const grace = graceOf(options)
    stuck = setTimeout(() => {
      if (!busy || finishing) return
      process.stderr.write(
        `[pionia] a handler was still running ${grace} ms after rr stopped this worker (pid ${process.pid}): ending the worker, that request is lost. ` +
          'Bound handlers with http.pool.supervisor.exec_ttl in .rr.yaml (and time out what they await).\n',
      )
      void finish(1)
    }, grace)
  })
  const failed = (err: unknown): Promise<void> => {
    process.stderr.write(`[pionia] handler failed: ${describe(err)}\n`)
    return worker.error(err instanceof Error ? err.message : String(err)).catch(() => {})
  }
  // One payload at a time. A handler that answers synchronously (returns no promise) is followed
  // at once by the next payload, or by waiting for one, without a promise per request; the
  // handler runs as soon as its frame is read.
  await new Promise<void>((ended) => {
    const settled = (): void => {
      busy = false
      next()
    }
    const next = (): void => {
      for (;;) {
        const payload = worker[kTake](next)
        if (payload === undefined) return
        if (payload === null) return ended()
        busy = true
        let result: unknown
        try {
          result = handler(payload, worker)
        } catch (err) {
          result = failed(err)
        }
        if (result != null && typeof (result as { then?: unknown }).then === 'function') {
          ;(result as Promise<unknown>).then(settled, (err: unknown) => failed(err).then(settled))
          return
        }
        busy = false
      }
    }
    next()
  })
  await finish(worker.closeError ? 1 : 0)
}
