/**
 * Shared set-up for the jobs tests: the real rr with a jobs pool running the fixture consumer, an
 * RPC client and producer on the run-time RPC port, and the SQLite file the consumer writes to.
 */
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, nodeCommand, startRr, type RrInstance } from '../helpers/rr.js'
import { RpcClient, jobs, type JobsService } from '../../src/jobs/index.js'

export interface JobsRig {
  rr: RrInstance
  rpc: RpcClient
  queue: JobsService
  rpcPort: number
  db: Database.Database
  dbPath: string
  journalDir: string
  /** Rows of `deliveries` (all columns). */
  deliveries(where?: string, ...args: unknown[]): Delivery[]
  /**
   * Returns once rr has provably finished with everything pushed to `pipeline` so far: a barrier job
   * pushed now has been answered, and rr's jobs.Stat reports nothing queued, in flight or delayed
   * there. A negative ("delivered once") checked after this cannot be beaten by a late redelivery.
   */
  settle(pipeline: string): Promise<void>
  /** Polls until `check()` is truthy; throws with `what` after timeoutMs. */
  until<T>(what: string, check: () => T | Promise<T>, timeoutMs?: number): Promise<Exclude<T, null | undefined | false | 0 | ''>>
  stop(): Promise<void>
}

export interface Delivery {
  seq: number
  id: string
  name: string
  attempt: number
  headers: string
  pid: number
  at: number
  payload: string
  pipeline: string
  driver: string
  queue: string | null
}

export interface RigOptions {
  pipelines: Record<string, unknown>
  consume?: string[]
  numWorkers?: number
  env?: Record<string, string>
  extra?: Record<string, unknown>
  /** Share an existing database file (two rr instances). */
  dbPath?: string
}

export async function startJobsRig(o: RigOptions): Promise<JobsRig> {
  const rpcPort = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'pionia-jobs-'))
  const dbPath = o.dbPath ?? join(dir, 'jobs.sqlite')
  const journalDir = join(tmpdir(), 'pionia-jobs-inflight', `tcp_127.0.0.1_${rpcPort}`)
  const db = new Database(dbPath)
  db.pragma('journal_mode = WAL')
  db.pragma('busy_timeout = 10000')
  db.exec(`CREATE TABLE IF NOT EXISTS deliveries (seq INTEGER PRIMARY KEY, id TEXT, name TEXT, attempt INT, headers TEXT, pid INT, at REAL, payload TEXT, pipeline TEXT, driver TEXT, queue TEXT);
           CREATE TABLE IF NOT EXISTS done (seq INTEGER PRIMARY KEY, id TEXT, pid INT);
           CREATE TABLE IF NOT EXISTS started (seq INTEGER PRIMARY KEY, id TEXT, pid INT)`)
  const rr = await startRr({
    config: {
      rpc: { listen: `tcp://127.0.0.1:${rpcPort}` },
      server: { command: nodeCommand('test/jobs/fixtures/consumer.ts'), relay: 'pipes' },
      logs: { level: 'info', mode: 'development' },
      jobs: {
        pool: { num_workers: o.numWorkers ?? 1, allocate_timeout: '60s', destroy_timeout: '5s' },
        consume: o.consume ?? Object.keys(o.pipelines),
        pipelines: o.pipelines,
      },
      // rr's jobs plugin (v5.1.9) stops only when endure's grace period ends: its pollers block on
      // the empty priority queue and never see the stop signal. 30 s by default; 3 s here.
      endure: { grace_period: '3s' },
      ...o.extra,
    },
    env: { JOBS_DB: dbPath, ...o.env },
    waitForPort: rpcPort,
  })
  const rpc = new RpcClient(`tcp://127.0.0.1:${rpcPort}`, { timeoutMs: 30_000 })
  const rig: JobsRig = {
    rr,
    rpc,
    queue: jobs(rpc),
    rpcPort,
    db,
    dbPath,
    journalDir,
    deliveries: (where = '1=1', ...args) => db.prepare(`SELECT * FROM deliveries WHERE ${where} ORDER BY seq`).all(...args) as Delivery[],
    async until(what, check, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const v = await check()
        if (v) return v as Exclude<typeof v, null | undefined | false | 0 | ''>
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; rr output:\n${rr.output().slice(-4000)}`)
        await new Promise((r) => setTimeout(r, 50))
      }
    },
    async settle(pipeline) {
      const id = await rig.queue.push('ack', 'barrier', { pipeline })
      await rr.waitForOutput(new RegExp(`jobs: id=${id} job=ack pipeline=${pipeline} outcome=ack`))
      await rig.until(`rr to report pipeline ${pipeline} idle`, async () => {
        const st = (await rig.queue.stat()).find((x) => x.pipeline === pipeline)
        return st !== undefined && st.active === 0 && st.delayed === 0
      })
    },
    async stop() {
      await rpc.close()
      await rr.stop()
      db.close()
      if (!o.dbPath) rmSync(dir, { recursive: true, force: true })
      rmSync(journalDir, { recursive: true, force: true })
    },
  }
  // rr's RPC listens before the jobs plugin has its pipelines up (an amqp one dials RabbitMQ first;
  // a push meanwhile gets "consumer not registered"): wait until every consumed pipeline is ready.
  const consumed = o.consume ?? Object.keys(o.pipelines)
  await rig.until('the consumed pipelines to be ready', async () => {
    const stats = await rig.queue.stat().catch(() => [])
    return consumed.every((name) => stats.some((st) => st.pipeline === name && st.ready))
  }, 60_000)
  return rig
}
