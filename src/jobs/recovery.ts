/**
 * Crash recovery for memory pipelines (the why is in journal.ts and outbox.ts): each consumer
 * journals its in-flight job, and at start pushes again the jobs of consumers that died mid-job;
 * while it runs, it pushes again the outbox entries of jobs rr dropped before any handler saw them.
 * @module
 */
import { readEnvironment } from '../worker/environment.js'
import { RpcClient } from '../rpc/client.js'
import { jobs as jobsService } from '../rpc/services/jobs.js'
import { ATTEMPTS_HEADER } from './task.js'
import { InflightJournal, claimOrphans, defaultJournalDir } from './journal.js'
import { defaultOutboxDir, outboxAdd, outboxEmpty, outboxRemove, takeStale, type OutboxEntry } from './outbox.js'

/** The consumer options recovery reads (ConsumerOptions extends these). */
export interface RecoveryOptions {
  /** Deliveries per job before a throwing handler's job is dropped (nack, no requeue). Default 3. */
  maxAttempts?: number
  /**
   * Re-push jobs whose consumer process died mid-job (journal.ts), and jobs rr dropped while
   * delivering them (outbox.ts). Default: on for drivers that drop a job when its worker dies
   * (`memory`), when rr's RPC address (RR_RPC) is known.
   */
  recoverInFlight?: boolean | { dir?: string; outboxDir?: string; drivers?: readonly string[] }
  /** RPC client used to re-push recovered jobs (default: one for RR_RPC). */
  rpc?: RpcClient
}

/** How often a consumer looks for outbox entries rr dropped (only acted on when a pipeline is idle). */
const SWEEP_EVERY_MS = 1000

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err))

/** What the consumer needs: the journal to use for a job of `driver`, if any. */
export interface Recovery {
  journalFor(driver: string): SafeJournal | undefined
}

/** Starts recovery and returns the journal lookup; undefined when recovery is off or impossible. */
export function setUpRecovery(options: RecoveryOptions, log: (line: string) => void): Recovery | undefined {
  if (options.recoverInFlight === false) return undefined
  const env = readEnvironment()
  const cfg = typeof options.recoverInFlight === 'object' ? options.recoverInFlight : {}
  const address = options.rpc?.address ?? env.rpc
  if (!address || env.mode !== 'jobs') return undefined
  const drivers = new Set(cfg.drivers ?? ['memory'])
  const outboxDir = cfg.outboxDir ?? defaultOutboxDir(address)
  const journal = new SafeJournal(new InflightJournal(cfg.dir ?? defaultJournalDir(address)), outboxDir, log)
  void recoverLoop(journal.dir, outboxDir, options, address, log)
  return { journalFor: (driver) => (drivers.has(driver) ? journal : undefined) }
}

/**
 * A journal whose failures (disk full, permissions) never fail the job: the job runs without it
 * and one warning says so.
 */
class SafeJournal {
  readonly dir: string
  readonly outboxDir: string
  readonly #inner: InflightJournal
  readonly #log: (line: string) => void
  #warned = false
  constructor(inner: InflightJournal, outboxDir: string, log: (line: string) => void) {
    this.dir = inner.dir
    this.outboxDir = outboxDir
    this.#inner = inner
    this.#log = log
  }
  /** The handler finished job `id` for good: its outbox copy goes (the journal covers the answer). */
  finished(id: string): void {
    outboxRemove(this.outboxDir, id)
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

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms).unref())

/**
 * Recovers at start, and again every second while some job could not be pushed yet (rr may still
 * be setting its pipelines up when the first consumers boot), for up to a minute. Then sweeps the
 * outbox every second for as long as the process runs.
 */
async function recoverLoop(dir: string, outboxDir: string, options: RecoveryOptions, address: string, log: (line: string) => void): Promise<void> {
  const rpc = options.rpc ?? new RpcClient(address, { timeoutMs: 10_000 })
  try {
    for (let round = 0; round < 60; round++) {
      if ((await recoverOrphans(dir, outboxDir, rpc, options, log, round === 59)) === 0) break
      await pause(1000)
    }
  } catch (err) {
    log(`jobs: in-flight recovery stopped: ${errorText(err)}`)
  }
  for (let failures = 0; ; ) {
    await pause(SWEEP_EVERY_MS)
    try {
      await sweepOutbox(outboxDir, rpc, log)
      failures = 0
    } catch (err) {
      // rr stopping or restarting: say so once, keep trying
      if (failures++ === 0) log(`jobs: outbox sweep failed (${errorText(err)}); retrying every ${SWEEP_EVERY_MS} ms`)
    }
  }
}

/**
 * Pushes again the outbox entries of idle memory pipelines: rr reports nothing queued, in flight or
 * delayed there, so an entry older than that report (by a second: a push may still be on its way)
 * is a job rr dropped before any handler ran it.
 */
async function sweepOutbox(outboxDir: string, rpc: RpcClient, log: (line: string) => void): Promise<void> {
  if (outboxEmpty(outboxDir)) return
  const queue = jobsService(rpc)
  const asked = Date.now()
  const idle = new Set<string>()
  for (const st of await queue.stat()) {
    if (st.driver === 'memory' && st.ready && st.active === 0 && st.delayed === 0) idle.add(st.pipeline)
  }
  if (idle.size === 0) return
  const dropped = (e: OutboxEntry) =>
    log(`jobs: id=${e.id} job=${e.job} pipeline=${e.pipeline} outcome=dropped error="pushed under an earlier rr process; memory jobs end with rr"`)
  for (const e of takeStale(outboxDir, idle, asked - 1000, dropped)) {
    await queue.push(e.job, Buffer.from(e.payload, 'base64'), { id: e.id, pipeline: e.pipeline, headers: e.headers })
    log(`jobs: id=${e.id} job=${e.job} pipeline=${e.pipeline} outcome=recovered (rr dropped it undelivered, its worker died; pushed again)`)
  }
}

/**
 * Pushes the jobs of consumers that died mid-job again, same id, attempt counter + 1. Resolves with
 * how many could not be pushed (they are put back for the next try).
 */
async function recoverOrphans(
  dir: string,
  outboxDir: string,
  rpc: RpcClient,
  options: RecoveryOptions,
  log: (line: string) => void,
  last: boolean,
): Promise<number> {
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
    const headers = { ...e.headers, [ATTEMPTS_HEADER]: [String(attempts)] }
    try {
      // into the outbox too: rr may drop the pushed-again job as it dropped the first
      outboxAdd(outboxDir, { id: e.id, job: e.job, pipeline: e.pipeline, headers, payload: e.payload })
      await queue.push(e.job, Buffer.from(e.payload, 'base64'), { id: e.id, pipeline: e.pipeline, headers })
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
