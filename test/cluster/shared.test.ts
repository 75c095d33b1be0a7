/**
 * What the two rr nodes of deploy/ share, checked on the real parts (PostgreSQL, Redis kv, RabbitMQ):
 * - a task created through node a is listed through node b at once, and the cached task lists
 *   (Moonlight cache() in rr's Redis kv `cache`) are invalidated on both nodes by that write;
 * - jobs pushed through node a, which is then SIGKILLed while they run: every accepted job runs at
 *   least once (on node b if need be), duplicates are counted and printed, none is lost.
 * The nodes are called directly (not through nginx) so the test knows which node answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import pg from 'pg'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { startCluster, type Cluster, type ClusterNode } from './stack.js'
import { waitFor } from '../helpers/process.js'

let cluster: Cluster | undefined
let recordDb: string
beforeAll(async () => {
  recordDb = join((await import('node:os')).tmpdir(), `pionia-cluster-ran-${process.pid}-${Date.now()}.sqlite`)
  const db = new Database(recordDb)
  db.pragma('journal_mode = WAL')
  db.exec('CREATE TABLE IF NOT EXISTS ran (seq INTEGER PRIMARY KEY, id TEXT, node TEXT, pid INT, attempt INT)')
  db.close()
  cluster = await startCluster({
    httpWorkers: 1,
    gracePeriod: '2s',
    workerScript: 'test/reliability/fixtures/recording-worker.ts',
    env: { RECORD_DB: recordDb, JOB_WORK_MS: '80' },
  })
}, 180_000)
afterAll(async () => {
  await cluster?.stop()
  const { rmSync } = await import('node:fs')
  for (const f of [recordDb, `${recordDb}-wal`, `${recordDb}-shm`]) rmSync(f, { force: true })
})

async function call(node: ClusterNode, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${node.base}/api/v1/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  })
  const json = (await res.json()) as { returnCode: number; returnData: any }
  return { status: res.status, node: res.headers.get('x-pionia-node'), json }
}

async function login(node: ClusterNode): Promise<Record<string, string>> {
  const r = await call(node, { service: 'member', action: 'login', email: 'alex@northwind.studio', password: 'secret' })
  expect(r.status).toBe(200)
  return { authorization: `Bearer ${r.json.returnData.token}` }
}

const titles = (r: { json: { returnData: { tasks: { title: string }[] } } }) => r.json.returnData.tasks.map((t) => t.title)
const LIST = { service: 'task', action: 'list', limit: 100 }

describe('cluster: shared PostgreSQL, Redis cache and RabbitMQ jobs', () => {
  it('a task created through node a is listed through node b at once; no stale cached list on either node', async () => {
    const { a, b } = cluster!.nodes
    const auth = await login(a) // node b accepts node a's token: one JWT_SECRET for the cluster
    const run = cluster!.state.id

    // Warm both nodes' cache, then prove the lists really come from it: a row written behind the
    // app's back (no flush) is not listed by either node.
    const first = await call(b, LIST)
    expect(first.node).toBe('b')
    await call(a, LIST)
    const db = new pg.Client({ connectionString: cluster!.databaseUrl })
    await db.connect()
    await db.query(`INSERT INTO tasks (title, status, assignee) VALUES ($1, 'open', 'alex@northwind.studio')`, [`behind the cache ${run}`])
    expect(titles(await call(b, LIST))).not.toContain(`behind the cache ${run}`)
    expect(titles(await call(a, LIST))).not.toContain(`behind the cache ${run}`)

    // Writes through one node, reads through both, alternating: every list is fresh.
    for (let i = 0; i < 6; i++) {
      const [writer, reader] = i % 2 === 0 ? [a, b] : [b, a]
      const title = `shared ${run} #${i}`
      const created = await call(writer, { service: 'task', action: 'create', title }, auth)
      expect(created.status, JSON.stringify(created.json)).toBe(200)
      expect(created.node).toBe(writer.addresses.name)
      const other = await call(reader, LIST)
      expect(other.node).toBe(reader.addresses.name)
      expect(titles(other)).toContain(title)
      // The write flushed the group for both nodes: the row written behind the cache shows up too.
      expect(titles(other)).toContain(`behind the cache ${run}`)
      expect(titles(await call(writer, LIST))).toContain(title)
      // And the fresh list is cached again (shared): a read through the other node sees the same.
      expect(titles(await call(writer, LIST))).toEqual(titles(await call(reader, LIST)))
    }
    const rows = await db.query(`SELECT COUNT(*)::int AS n FROM tasks WHERE title LIKE $1`, [`shared ${run} #%`])
    await db.end()
    expect(rows.rows[0].n).toBe(6)
  }, 150_000)

  it('jobs pushed through node a, node a SIGKILLed while they run: every accepted job runs at least once', async () => {
    const { a, b } = cluster!.nodes
    const auth = await login(a)
    const TOTAL = 200
    const KILL_AT = 120 // accepted pushes
    const record = new Database(recordDb, { readonly: true })
    record.pragma('busy_timeout = 10000')
    const ranCount = () => (record.prepare('SELECT COUNT(DISTINCT id) AS n FROM ran').get() as { n: number }).n
    const before = ranCount()

    const accepted = new Map<string, number>()
    const refused: string[] = []
    let next = 0
    let killed: Promise<void> | undefined
    let killedAt = Infinity
    let pendingAtKill = 0
    const t0 = performance.now()
    // Node a is SIGKILLed once it accepted KILL_AT pushes: some jobs have run, the rest wait in
    // RabbitMQ or in node a's prefetch (delivered, unacked), and pushes are still in flight. No push
    // is started after that (a client would get "connection refused" from the dead node).
    const kill = () => {
      pendingAtKill = accepted.size - (ranCount() - before)
      killed = a.kill().then(() => void (killedAt = performance.now()))
    }
    const client = async (): Promise<void> => {
      for (let n = next++; n < TOTAL && !killed; n = next++) {
        try {
          const r = await call(a, { service: 'member', action: 'invite', email: `cluster-${n}@example.test` }, auth)
          const id = r.json.returnData?.job_id
          if (r.status === 202 && typeof id === 'string' && id) accepted.set(id, n)
          else refused.push(`${n}: ${r.status} ${JSON.stringify(r.json)}`)
        } catch (err) {
          refused.push(`${n}: ${(err as Error).message}`) // node a died during this push
        }
        if (accepted.size >= KILL_AT && !killed) kill()
      }
    }
    await Promise.all(Array.from({ length: 8 }, client))
    await killed
    expect(accepted.size).toBeGreaterThanOrEqual(KILL_AT)

    // Node b drains the queue, node a's unacked deliveries included (RabbitMQ requeues them when
    // node a's connection drops).
    const ranIds = () => new Set((record.prepare('SELECT DISTINCT id FROM ran').all() as { id: string }[]).map((r) => r.id))
    await waitFor(() => [...accepted.keys()].every((id) => ranIds().has(id)), 'every accepted job to run', 90_000).catch(() => {})
    const runs = record.prepare('SELECT id, node, COUNT(*) AS n FROM ran GROUP BY id, node').all() as { id: string; node: string; n: number }[]
    const perJob = new Map<string, number>()
    const perNode: Record<string, number> = {}
    for (const r of runs) {
      if (!accepted.has(r.id)) continue
      perJob.set(r.id, (perJob.get(r.id) ?? 0) + r.n)
      perNode[r.node] = (perNode[r.node] ?? 0) + r.n
    }
    record.close()
    const lost = [...accepted.keys()].filter((id) => !perJob.has(id))
    const duplicates = [...perJob.values()].filter((n) => n > 1).length
    const figures = {
      pushesSent: accepted.size + refused.length,
      accepted: accepted.size,
      pushesFailedWhenNodeADied: refused.length,
      acceptedNotYetRunAtKill: pendingAtKill,
      ran: perJob.size,
      lost: lost.length,
      ranTwiceOrMore: duplicates,
      runsPerNode: perNode,
      killedAfterSeconds: Number(((killedAt - t0) / 1000).toFixed(1)),
      seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
    }
    console.log('cluster jobs figures:', JSON.stringify(figures, null, 1))
    expect(lost).toEqual([])
    // Node a held at most its prefetch (10) plus the job it was running: only those can run twice.
    expect(duplicates).toBeLessThanOrEqual(11)
    // Pushes fail only while node a dies (its in-flight requests); after that nothing is sent to it.
    expect(refused.length).toBeLessThanOrEqual(8)
    expect(pendingAtKill).toBeGreaterThan(0)
    expect(perNode.b ?? 0).toBeGreaterThan(0)
    expect(b.process?.exitCode ?? null).toBeNull()
  }, 150_000)
})
