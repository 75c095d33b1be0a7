/**
 * A rolling restart of deploy/'s two rr nodes under a GET/POST mix sent over HTTP/2 through nginx:
 * `rr reset` of each node, then each node drained from nginx, stopped (SIGTERM), started and put back.
 * No request may fail: every GET and every POST is answered 2xx, none hangs, and every create is in
 * PostgreSQL exactly once. (nginx's reloads end its old HTTP/2 connections with GOAWAY; the client
 * resends only the streams the GOAWAY says were never processed, and the count is printed.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import { performance } from 'node:perf_hooks'
import { startCluster, type Cluster } from './stack.js'
import { apiPost, h2request, runLoad, summarize } from './h2load.js'
import { rolling } from './rolling.js'

let cluster: Cluster | undefined
beforeAll(async () => {
  cluster = await startCluster({ httpWorkers: 1, gracePeriod: '2s' })
}, 180_000)
afterAll(async () => {
  await cluster?.stop()
})

describe('cluster: rolling restart under HTTP/2 load through nginx', () => {
  it('rr reset, then drain + stop/start, one node at a time: no request lost or failed', async () => {
    const c = cluster!
    const login = await h2request(c.url, c.ca, apiPost({ service: 'member', action: 'login', email: 'jamie@northwind.studio', password: 'secret' }))
    const auth = { authorization: `Bearer ${login.json.returnData.token}` }
    const run = c.state.id

    // "wait for 80 more answers" between steps, so each step happens under load.
    let answered = 0
    const waiters: { at: number; resolve: () => void }[] = []
    const between = () => new Promise<void>((resolve) => waiters.push({ at: answered + 80, resolve }))
    let finished = false
    let failure: unknown
    const t0 = performance.now()
    const control = rolling(c, between, { reset: true, restart: 'drained' }).then(
      (s) => ((finished = true), s),
      (e) => ((failure = e), (finished = true), []),
    )
    const results = await runLoad({
      url: c.url,
      ca: c.ca,
      sessions: 3,
      concurrency: 12,
      timeoutMs: 20_000,
      onResult: () => {
        answered++
        for (const w of waiters.splice(0)) if (answered >= w.at) w.resolve()
        else waiters.push(w)
      },
      next: (seq) => {
        if (finished || performance.now() - t0 > 120_000) return undefined
        return seq % 3 === 2
          ? apiPost({ service: 'task', action: 'create', title: `rolling ${run} #${seq}` }, auth, `rolling ${run} #${seq}`)
          : { method: 'GET', path: '/api/v1/ping' }
      },
    })
    const steps = await control
    if (failure) throw failure

    const sum = summarize(results)
    const db = new pg.Client({ connectionString: c.databaseUrl })
    await db.connect()
    const rows = (await db.query<{ title: string; n: string }>(`SELECT title, COUNT(*) AS n FROM tasks WHERE title LIKE $1 GROUP BY title`, [`rolling ${run} %`])).rows
    await db.end()
    const inDb = new Map(rows.map((r) => [r.title, Number(r.n)]))
    console.log('cluster rolling restart figures:', JSON.stringify({ requests: results.length, seconds: Number(((performance.now() - t0) / 1000).toFixed(1)), steps, GET: sum.GET, POST: sum.POST, answersPerNode: sum.nodes, rows: rows.length }, null, 1))

    expect(steps.map((s) => s.what)).toEqual(['rr reset node a', 'rr reset node b', 'drain, stop, start node a', 'drain, stop, start node b'])
    const failed = results.filter((r) => !(r.status >= 200 && r.status < 300))
    expect(failed.map((r) => `${r.method} ${r.status} ${r.error ?? ''}`)).toEqual([])
    const posts = results.filter((r) => r.method === 'POST')
    expect(posts.length).toBeGreaterThan(100)
    for (const r of posts) expect(inDb.get(r.tag!), r.tag).toBe(1)
    expect(inDb.size).toBe(posts.length)
    // Both nodes served, before and after their restarts.
    expect(sum.nodes.a).toBeGreaterThan(0)
    expect(sum.nodes.b).toBeGreaterThan(0)
  }, 180_000)
})
