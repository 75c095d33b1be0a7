/**
 * deploy/ on one machine (nginx TLS + HTTP/2, two rr nodes, PostgreSQL, Redis, RabbitMQ): node a's
 * rr is SIGKILLed under a GET/POST mix sent over HTTP/2 through nginx, then started again.
 * - every GET is answered 200: nginx resends what met the dead node to node b
 *   (`proxy_next_upstream error timeout`);
 * - a POST nginx had already sent to node a is not resent (nginx's default for non-idempotent
 *   methods): answered 502; those are counted, printed, and checked against the database;
 * - from the kill until node a is started again, node b answers everything;
 * - node a serves again once it is back; no request hangs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import { startCluster, type Cluster } from './stack.js'
import { apiPost, h2request, runLoad, summarize, type H2Result } from './h2load.js'
import { performance } from 'node:perf_hooks'

let cluster: Cluster | undefined
beforeAll(async () => {
  cluster = await startCluster({ httpWorkers: 1, gracePeriod: '2s' })
}, 180_000)
afterAll(async () => {
  await cluster?.stop()
})

const BEFORE = 200 // answers before the kill
const DURING = 300 // answers while node a is dead
const BACK = 20 // answers from node a once it is back

describe('cluster: an rr node SIGKILLed under HTTP/2 load through nginx', () => {
  it('loses no idempotent request, counts the failed POSTs, and the survivor serves until the node is back', async () => {
    const c = cluster!
    const login = await h2request(c.url, c.ca, apiPost({ service: 'member', action: 'login', email: 'alex@northwind.studio', password: 'secret' }))
    expect(login.status).toBe(200)
    const auth = { authorization: `Bearer ${login.json.returnData.token}` }
    const run = c.state.id

    let answered = 0
    let killedAt = Infinity // when rr of node a had exited
    let startCalledAt = Infinity // when node a was started again
    let backAt = Infinity // when node a was ready again
    let afterKill = 0
    let fromA = 0
    let phase: 'before' | 'killing' | 'down' | 'starting' | 'back' | 'done' = 'before'
    let failure: unknown
    const step = (r: H2Result): void => {
      answered++
      if (phase === 'before' && answered >= BEFORE) {
        phase = 'killing'
        c.nodes.a.kill().then(() => ((killedAt = performance.now()), (phase = 'down')), (e) => (failure = e))
      } else if (phase === 'down' && ++afterKill >= DURING) {
        phase = 'starting'
        startCalledAt = performance.now()
        c.nodes.a.start().then(() => ((backAt = performance.now()), (phase = 'back')), (e) => (failure = e))
      } else if (phase === 'back' && r.node === 'a' && r.startedAt > backAt && ++fromA >= BACK) phase = 'done'
    }
    const t0 = performance.now()
    const results = await runLoad({
      url: c.url,
      ca: c.ca,
      sessions: 4,
      concurrency: 16,
      timeoutMs: 20_000,
      onResult: step,
      next: (seq) => {
        if (phase === 'done' || failure || seq > 30_000 || performance.now() - t0 > 90_000) return undefined
        return seq % 4 === 3
          ? apiPost({ service: 'task', action: 'create', title: `failover ${run} #${seq}` }, auth, `failover ${run} #${seq}`)
          : { method: 'GET', path: '/api/v1/ping' }
      },
    })
    if (failure) throw failure
    expect(phase, 'node a served again after its restart').toBe('done')

    const sum = summarize(results)
    const failedPosts = results.filter((r) => r.method === 'POST' && !(r.status >= 200 && r.status < 300))
    const down = results.filter((r) => r.startedAt > killedAt && r.startedAt < startCalledAt)
    const db = new pg.Client({ connectionString: c.databaseUrl })
    await db.connect()
    const rows = (await db.query<{ title: string; n: string }>(`SELECT title, COUNT(*) AS n FROM tasks WHERE title LIKE $1 GROUP BY title`, [`failover ${run} %`])).rows
    await db.end()
    const inDb = new Map(rows.map((r) => [r.title, Number(r.n)]))
    const confirmed = results.filter((r) => r.method === 'POST' && r.status === 200)
    const figures = {
      requests: results.length,
      seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
      GET: sum.GET,
      POST: sum.POST,
      answersPerNode: sum.nodes,
      whileDown: { requests: down.length, byNode: summarize(down).nodes, failed: down.filter((r) => r.status !== 200).length },
      failedPosts: failedPosts.map((r) => ({ status: r.status, error: r.error, committed: inDb.has(r.tag!) })),
      rows: rows.length,
      nodeAStartSeconds: Number(((backAt - startCalledAt) / 1000).toFixed(1)),
    }
    console.log('cluster failover figures:', JSON.stringify(figures, null, 1))

    // Idempotent requests: none lost, none failed.
    expect(sum.GET.failed).toBe(0)
    // Nothing hung, nothing was refused six times.
    expect(sum.GET.timeouts + sum.POST.timeouts).toBe(0)
    expect(results.filter((r) => r.error === 'refused 6 times')).toEqual([])
    // A failed POST is one nginx had already sent to the node that died: 502, at most one per
    // stream in flight at the kill, none started once node a was gone.
    for (const r of failedPosts) {
      expect(r.status).toBe(502)
      expect(r.startedAt).toBeLessThan(killedAt)
    }
    expect(failedPosts.length).toBeLessThanOrEqual(16)
    // While node a was down, node b answered everything, and everything succeeded.
    expect(down.length).toBeGreaterThanOrEqual(DURING - 16)
    expect(down.every((r) => r.node === 'b' && r.status === 200)).toBe(true)
    // Every confirmed create is in PostgreSQL exactly once; no row for a title never confirmed
    // except a failed POST's (its node died after the INSERT committed, before it answered).
    for (const r of confirmed) expect(inDb.get(r.tag!), r.tag).toBe(1)
    const failedTitles = new Set(failedPosts.map((r) => r.tag!))
    for (const title of inDb.keys()) expect(confirmed.some((r) => r.tag === title) || failedTitles.has(title), title).toBe(true)
  }, 180_000)
})
