/**
 * Issue 20's pattern: DeskFlow under the real rr, 16 clients POST 2,000 `member.invite` calls (each
 * answered 202 with a job id) while the jobs worker is SIGKILLed three times during the burst.
 * Every accepted job must run at least once: the jobs worker records each finished job id in a
 * SQLite file (test/reliability/fixtures/recording-worker.ts), which outlives the killed process.
 * Duplicates (at-least-once) are counted and reported; so are "Welcome email sent" lines missing
 * from rr's log. Run on the shipped memory pipeline and on AMQP.
 */
import { afterEach, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { informer, jobs } from '../../src/rpc/index.js'
import { defaultOutboxDir } from '../../src/jobs/index.js'
import { outboxEmpty } from '../../src/jobs/outbox.js'
import { requireService, SERVICES } from '../helpers/services.js'
import { alive } from '../helpers/process.js'
import { startDeskflow, waitFor, type DeskflowStack } from './stack.js'

const TOTAL = 2000
const CLIENTS = 16
const KILLS = 3

let stack: DeskflowStack | undefined
let dir: string | undefined
afterEach(async () => {
  if (stack) rmSync(defaultOutboxDir(stack.rpcAddress), { recursive: true, force: true })
  await stack?.stop()
  stack = undefined
  if (dir) rmSync(dir, { recursive: true, force: true })
  dir = undefined
})

interface BurstResult {
  accepted: Map<string, number>
  ran: Map<string, number>
  killed: number[]
  /** Jobs that ran whose "Welcome email sent" line is not in rr's log. */
  missingLines: number
  /** Outbox entries pushed again (rr dropped the job undelivered). */
  recoveries: number
  /** Journal entries pushed again (the consumer died mid-job). */
  orphans: number
}

async function burstWithKills(pipeline: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<BurstResult> {
  dir = mkdtempSync(join(tmpdir(), 'pionia-burst-'))
  const dbPath = join(dir, 'ran.sqlite')
  const db = new Database(dbPath)
  db.pragma('journal_mode = WAL')
  db.exec('CREATE TABLE IF NOT EXISTS ran (seq INTEGER PRIMARY KEY, id TEXT, node TEXT, pid INT, attempt INT)')
  stack = await startDeskflow({
    jobs: true,
    script: 'test/reliability/fixtures/recording-worker.ts',
    rrEnv: { RECORD_DB: dbPath },
    setup: (p) => p.setSection('jobs', { ENABLED: 'true', PIPELINE: 'moonlight' }),
    edit: (config) => {
      config.jobs.pipelines.moonlight = pipeline
      Object.assign(config, extra)
    },
  })
  const s = stack
  const queue = jobs(s.rpc)
  await waitFor(async () => (await queue.stat()).some((p) => p.pipeline === 'moonlight' && p.ready), 'the moonlight pipeline')
  const jobsPid = async (): Promise<number | undefined> => (await informer(s.rpc).workers('jobs').catch(() => []))[0]?.pid
  await waitFor(jobsPid, 'the jobs worker')
  const auth = await s.login()

  const accepted = new Map<string, number>()
  const failures: string[] = []
  let next = 0
  let answered = 0
  // The last 20% of the calls wait for the third kill, so every kill lands during the burst however
  // fast this machine answers (a replacement worker takes seconds to boot).
  let openGate!: () => void
  const gate = new Promise<void>((r) => (openGate = r))
  const client = async (): Promise<void> => {
    for (let n = next++; n < TOTAL; n = next++) {
      if (n >= TOTAL * 0.8) await gate
      const r = await s.call({ service: 'member', action: 'invite', email: `burst-${n}@example.test` }, auth)
      answered++
      const id = r.body?.returnData?.job_id
      if (r.status === 202 && typeof id === 'string' && id) accepted.set(id, n)
      else failures.push(`#${n}: ${r.status} ${r.text.slice(0, 200)}`)
    }
  }
  const t0 = Date.now()
  const burst = Promise.all(Array.from({ length: CLIENTS }, client))

  // Kill the jobs worker at 10%, 30% and 50% of the burst (or later: each time once the replacement
  // of the previous one is up).
  const killed: number[] = []
  for (let k = 0; k < KILLS; k++) {
    const at = Math.floor(TOTAL * (0.1 + 0.2 * k))
    const pid = await waitFor(async () => answered >= at && (await jobsPid()), `kill #${k + 1} (a live jobs worker at ${at} answers)`, 120_000)
    if (killed.includes(pid)) throw new Error(`rr reports the killed worker ${pid} again`)
    process.kill(pid, 'SIGKILL')
    killed.push(pid)
    await waitFor(() => !alive(pid), `worker ${pid} to be gone`)
    await waitFor(async () => { const p = await jobsPid(); return p !== undefined && !killed.includes(p) }, 'a replacement jobs worker', 60_000)
  }
  const killsDuringBurst = answered < TOTAL
  openGate()
  await burst
  const burstMs = Date.now() - t0
  expect(failures).toEqual([])
  expect(killsDuringBurst).toBe(true)

  const ranRows = () => db.prepare('SELECT id FROM ran').all() as { id: string }[]
  const recorded = () => new Set(ranRows().map((r) => r.id))
  // Bounded: every accepted job recorded, or 60 s, whichever comes first...
  await waitFor(() => [...accepted.keys()].every((id) => recorded().has(id)), 'every accepted job to run', 60_000).catch(() => undefined)
  // ...then counted once rr has nothing left for the pipeline (nothing queued, in flight or
  // delayed) and no outbox copy waits to be pushed again.
  const outbox = defaultOutboxDir(s.rpcAddress)
  await waitFor(
    async () => outboxEmpty(outbox) && (await queue.stat()).every((p) => p.pipeline !== 'moonlight' || (p.active === 0 && p.delayed === 0)),
    'the pipeline and the outbox to drain',
    30_000,
  )
  const ran = new Map<string, number>()
  for (const r of ranRows()) ran.set(r.id, (ran.get(r.id) ?? 0) + 1)
  const drainedAt = Date.now()
  // rr's log is complete once rr has exited (it forwards each worker's stderr until the pipe closes)
  await s.rr.stop()
  const out = s.rr.output()
  let missingLines = 0
  for (const [id, n] of accepted) if (ran.has(id) && !out.includes(`Welcome email sent to burst-${n}@example.test`)) missingLines++
  const lost = [...accepted.keys()].filter((id) => !ran.has(id))
  for (const id of lost) process.stderr.write(`[burst] lost ${id}; rr said:\n${out.split('\n').filter((l) => l.includes(id)).join('\n')}\n`)
  const recoveries = out.match(/outcome=recovered \(rr dropped it undelivered/g)?.length ?? 0
  const orphans = out.match(/outcome=recovered \(consumer pid \d+ died mid-job/g)?.length ?? 0
  db.close()
  process.stderr.write(`[burst] burst ${burstMs} ms, drained ${drainedAt - t0} ms after its start\n`)
  return { accepted, ran, killed, missingLines, recoveries, orphans }
}

function report(name: string, r: BurstResult): { lost: string[]; duplicates: number } {
  const lost = [...r.accepted.keys()].filter((id) => !r.ran.has(id))
  const duplicates = [...r.ran.values()].reduce((a, c) => a + (c > 1 ? c - 1 : 0), 0)
  process.stderr.write(
    `[burst ${name}] accepted=${r.accepted.size} ran=${r.ran.size} lost=${lost.length} duplicates=${duplicates} ` +
      `log_lines_missing=${r.missingLines} recovered_from_outbox=${r.recoveries} recovered_from_journal=${r.orphans} kills=${r.killed.join(',')}\n`,
  )
  return { lost, duplicates }
}

describe('HTTP push burst with the jobs worker SIGKILLed 3 times: every accepted job runs', () => {
  it('memory pipeline (the shipped .rr.yaml)', async () => {
    const r = await burstWithKills({ driver: 'memory', config: { priority: 10, prefetch: 100 } })
    const { lost } = report('memory', r)
    expect(r.accepted.size).toBe(TOTAL)
    expect(lost).toEqual([])
  }, 300_000)

  it('amqp pipeline (RabbitMQ, requeue_on_fail)', async () => {
    await requireService('rabbitmq')
    const name = `pionia-burst-${randomBytes(4).toString('hex')}`
    const r = await burstWithKills(
      {
        driver: 'amqp',
        config: { queue: name, routing_key: name, exchange: `${name}-x`, exchange_type: 'direct', prefetch: 100, requeue_on_fail: true, delete_queue_on_stop: true },
      },
      { amqp: { addr: SERVICES.rabbitmq.url } },
    )
    const { lost } = report('amqp', r)
    expect(r.accepted.size).toBe(TOTAL)
    expect(lost).toEqual([])
  }, 300_000)
})
