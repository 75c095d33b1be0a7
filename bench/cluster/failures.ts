/**
 * What node failures and restarts cost in deploy/'s layout (nginx TLS + HTTP/2 in front of two rr
 * nodes, PostgreSQL, Redis, RabbitMQ), with the shipped configs as they are (2 http workers per node,
 * endure.grace_period 10 s): a GET/POST mix (DeskFlow ping and task.create, 3:1) over HTTP/2 through
 * nginx while, in turn,
 *   1. kill:      node a SIGKILLed, started again; then node b the same;
 *   2. drained:   rr reset of each node, then each node drained from nginx, stopped, started, put back;
 *   3. undrained: each node stopped (SIGTERM) and started without draining it from nginx first.
 * Prints per scenario: requests, GET/POST answered and failed (by status), client resends of streams
 * refused unprocessed (GOAWAY), failed POSTs whose task was committed anyway, and each step's time.
 *   node --import tsx bench/cluster/failures.ts [--gap=400] [--concurrency=16] [--workers=2]
 * (--gap: answers between two steps.) Needs `bash scripts/ci-services start` and scripts/build-rr.
 */
import { parseArgs } from 'node:util'
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import { startCluster, type Cluster } from '../../test/cluster/stack.js'
import { apiPost, h2request, runLoad, summarize, type H2Result } from '../../test/cluster/h2load.js'
import { rolling, type Step } from '../../test/cluster/rolling.js'

const { values } = parseArgs({ options: { gap: { type: 'string', default: '400' }, concurrency: { type: 'string', default: '16' }, workers: { type: 'string' } } })
const gap = Number(values.gap)
const concurrency = Number(values.concurrency)

/** Runs the load while `control(between)` runs; `between()` resolves after `gap` more answers. */
async function underLoad(c: Cluster, label: string, auth: Record<string, string>, control: (between: () => Promise<void>) => Promise<Step[]>) {
  let answered = 0
  const waiters: { at: number; resolve: () => void }[] = []
  const between = () => new Promise<void>((resolve) => waiters.push({ at: answered + gap, resolve }))
  let finished = false
  let failure: unknown
  const t0 = performance.now()
  const steps = control(between).then(
    (s) => ((finished = true), s),
    (e) => ((failure = e), (finished = true), [] as Step[]),
  )
  const prefix = `${label} ${c.state.id}`
  const results: H2Result[] = await runLoad({
    url: c.url,
    ca: c.ca,
    sessions: 4,
    concurrency,
    timeoutMs: 30_000,
    onResult: () => {
      answered++
      for (const w of waiters.splice(0)) if (answered >= w.at) w.resolve()
      else waiters.push(w)
    },
    next: (seq) => {
      if (finished) return undefined
      return seq % 4 === 3 ? apiPost({ service: 'task', action: 'create', title: `${prefix} #${seq}` }, auth, `${prefix} #${seq}`) : { method: 'GET', path: '/api/v1/ping' }
    },
  })
  const done = await steps
  if (failure) throw failure
  const db = new pg.Client({ connectionString: c.databaseUrl })
  await db.connect()
  const rows = new Set((await db.query<{ title: string }>('SELECT title FROM tasks WHERE title LIKE $1', [`${prefix} #%`])).rows.map((r) => r.title))
  await db.end()
  const sum = summarize(results)
  const failedPosts = results.filter((r) => r.method === 'POST' && !(r.status >= 200 && r.status < 300))
  const confirmedMissing = results.filter((r) => r.method === 'POST' && r.status === 200 && !rows.has(r.tag!)).length
  return {
    scenario: label,
    seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
    requests: results.length,
    GET: sum.GET,
    POST: sum.POST,
    failedPostsCommittedAnyway: failedPosts.filter((r) => rows.has(r.tag!)).length,
    confirmedPostsMissingFromDb: confirmedMissing,
    answersPerNode: sum.nodes,
    steps: done,
  }
}

const c = await startCluster({ httpWorkers: values.workers ? Number(values.workers) : undefined })
try {
  const login = await h2request(c.url, c.ca, apiPost({ service: 'member', action: 'login', email: 'alex@northwind.studio', password: 'secret' }))
  const auth = { authorization: `Bearer ${login.json.returnData.token}` }
  const figures = []
  figures.push(
    await underLoad(c, 'kill', auth, async (between) => {
      const steps: Step[] = []
      for (const name of ['a', 'b'] as const) {
        await between()
        let t = performance.now()
        await c.nodes[name].kill()
        steps.push({ what: `SIGKILL node ${name}`, seconds: Number(((performance.now() - t) / 1000).toFixed(1)) })
        await between()
        t = performance.now()
        await c.nodes[name].start()
        steps.push({ what: `start node ${name}`, seconds: Number(((performance.now() - t) / 1000).toFixed(1)) })
      }
      await between()
      return steps
    }),
  )
  figures.push(await underLoad(c, 'drained', auth, (between) => rolling(c, between, { reset: true, restart: 'drained' })))
  figures.push(await underLoad(c, 'undrained', auth, (between) => rolling(c, between, { reset: false, restart: 'undrained' })))
  for (const f of figures) console.log(JSON.stringify(f))
} finally {
  await c.stop()
}
