/**
 * Crash recovery for memory pipelines (the why is in journal.ts): each consumer journals its
 * in-flight job, and at start pushes again the jobs of consumers that died mid-job.
 * @module
 */
import { readEnvironment } from '../worker/environment.js'
import { RpcClient } from '../rpc/client.js'
import { jobs as jobsService } from '../rpc/services/jobs.js'
import { ATTEMPTS_HEADER } from './task.js'
import { InflightJournal, claimOrphans, defaultJournalDir } from './journal.js'
import type { ConsumerOptions } from './consumer.js'

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err))

/** What the consumer needs: the journal to use for a job of `driver`, if any. */
export interface Recovery {
  journalFor(driver: string): SafeJournal | undefined
}

/** Starts recovery and returns the journal lookup; undefined when recovery is off or impossible. */
export function setUpRecovery(options: ConsumerOptions, log: (line: string) => void): Recovery | undefined {
  if (options.recoverInFlight === false) return undefined
  const env = readEnvironment()
  const cfg = typeof options.recoverInFlight === 'object' ? options.recoverInFlight : {}
  const address = options.rpc?.address ?? env.rpc
  if (!address || env.mode !== 'jobs') return undefined
  const drivers = new Set(cfg.drivers ?? ['memory'])
  const journal = new SafeJournal(new InflightJournal(cfg.dir ?? defaultJournalDir(address)), log)
  void recoverLoop(journal.dir, options, address, log)
  return { journalFor: (driver) => (drivers.has(driver) ? journal : undefined) }
}

/**
 * A journal whose failures (disk full, permissions) never fail the job: the job runs without it
 * and one warning says so.
 */
class SafeJournal {
  readonly dir: string
  readonly #inner: InflightJournal
  readonly #log: (line: string) => void
  #warned = false
  constructor(inner: InflightJournal, log: (line: string) => void) {
    this.dir = inner.dir
    this.#inner = inner
    this.#log = log
  }
  begin(...args: Parameters<InflightJournal['begin']>): void {
    this.#try(() => this.#inner.begin(...args))
  }
  end(): void {
    this.#try(() => this.#inner.end())
  }
  #try(fn: () => void): void {
    try {
      fn()
    } catch (err) {
      if (!this.#warned) this.#log(`jobs: the in-flight journal in ${this.dir} failed (${errorText(err)}); jobs run without crash recovery`)
      this.#warned = true
    }
  }
}

/**
 * Recovers at start, and again every second while some job could not be pushed yet (rr may still
 * be setting its pipelines up when the first consumers boot), for up to a minute.
 */
async function recoverLoop(dir: string, options: ConsumerOptions, address: string, log: (line: string) => void): Promise<void> {
  const rpc = options.rpc ?? new RpcClient(address, { timeoutMs: 10_000 })
  try {
    for (let round = 0; round < 60; round++) {
      if ((await recoverOrphans(dir, rpc, options, log, round === 59)) === 0) return
      await new Promise((r) => setTimeout(r, 1000).unref())
    }
  } catch (err) {
    log(`jobs: in-flight recovery stopped: ${errorText(err)}`)
  } finally {
    if (!options.rpc) await rpc.close().catch(() => {})
  }
}

/**
 * Pushes the jobs of consumers that died mid-job again, same id, attempt counter + 1. Resolves with
 * how many could not be pushed (they are put back for the next try).
 */
async function recoverOrphans(dir: string, rpc: RpcClient, options: ConsumerOptions, log: (line: string) => void, last: boolean): Promise<number> {
  const orphans = claimOrphans(dir)
  const queue = jobsService(rpc)
  const maxAttempts = options.maxAttempts ?? 3
  let pending = 0
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
      pending++
      if (last) log(`jobs: id=${e.id} could not be recovered yet (${errorText(err)}); the next consumer to start retries`)
    }
  }
  return pending
}
