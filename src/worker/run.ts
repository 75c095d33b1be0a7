/**
 * The worker loop: wait for a payload, hand it to a handler, make sure exactly one response goes
 * back, repeat until rr says stop. A handler that throws yields an error frame; the worker lives on.
 * @module
 */
import { Worker, NotUnderRoadRunnerError } from './worker.js'
import type { Payload } from './messages.js'
import { answerProbe } from './probe.js'

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
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err)
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
  for (;;) {
    const payload = await worker.waitPayload()
    if (payload === null) break
    try {
      await handler(payload, worker)
    } catch (err) {
      process.stderr.write(`[pionia] handler failed: ${describe(err)}\n`)
      await worker.error(err instanceof Error ? err.message : String(err)).catch(() => {})
    }
  }
  let code = worker.closeError ? 1 : 0
  if (options.onShutdown) {
    const limit = options.shutdownTimeoutMs ?? 5000
    let timer: NodeJS.Timeout | undefined
    try {
      await Promise.race([
        Promise.resolve().then(options.onShutdown),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`shutdown hook took longer than ${limit} ms`)), limit)
        }),
      ])
    } catch (err) {
      process.stderr.write(`[pionia] shutdown: ${describe(err)}\n`)
      code = 1
    } finally {
      clearTimeout(timer)
    }
  }
  await worker.close().catch(() => {})
  if (options.exit !== false) process.exit(code)
}
