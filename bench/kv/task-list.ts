/**
 * DeskFlow `task.list` through the real rr (2 HTTP workers each, the repository's .rr.yaml on free
 * ports): one rr serving it uncached (`[cache] TASK_LIST_TTL = 0`), one cached in rr KV (memory
 * driver, TTL 60 s), both over the same kind of SQLite database (3 seed tasks + `rows` more).
 * Both rr run at once and the load alternates between them in short rounds, so drift in machine
 * load hits both sides alike; the ratio is of the summed requests.
 *   node --import tsx bench/kv/task-list.ts [rows=50000] [rounds=4] [seconds=3] [connections=16]
 */
import { join } from 'node:path'
import autocannon from 'autocannon'
import Database from 'better-sqlite3'
import { startRr, type RrInstance } from '../../test/helpers/rr.js'
import { repoRrConfig, tempProject, type TempProject } from '../../test/deskflow/project.js'

const [rows, rounds, seconds, connections] = [50_000, 4, 3, 16].map((d, i) => Number(process.argv[2 + i] ?? d)) as [number, number, number, number]
const body = JSON.stringify({ service: 'task', action: 'list', status: 'open', limit: 20 })

interface Side {
  name: string
  url: string
  rr: RrInstance
  project: TempProject
  requests: number
  seconds: number
  p99: number[]
  errors: number
}

async function start(name: string, ttl: number): Promise<Side> {
  const project = tempProject()
  project.setSection('cache', { TASK_LIST_TTL: String(ttl) })
  const { config, httpPort: port } = await repoRrConfig()
  config.http.pool.num_workers = 2
  config.logs = { level: 'error' }
  delete config.jobs
  const rr = await startRr({ config, cwd: project.root, waitForUrl: `http://127.0.0.1:${port}/api/v1/ping` })
  const url = `http://127.0.0.1:${port}/api/v1/`
  // the first call creates and seeds the database; then it grows behind the app
  await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  const db = new Database(join(project.root, 'database.sqlite3'))
  const insert = db.prepare('INSERT INTO tasks (title, status, assignee) VALUES (?, ?, ?)')
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`Task ${i}`, i % 3 ? 'open' : 'done', 'alex@northwind.studio')
  })()
  db.close()
  return { name, url, rr, project, requests: 0, seconds: 0, p99: [], errors: 0 }
}

async function load(side: Side, duration: number): Promise<void> {
  const r = await autocannon({ url: side.url, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections, duration })
  side.requests += r.requests.total
  side.seconds += duration
  side.p99.push(r.latency.p99)
  side.errors += r.errors + r.non2xx
}

const uncached = await start('uncached (SQLite query per request)', 0)
const cached = await start('cached in rr KV (memory driver)', 60)
try {
  for (const side of [uncached, cached]) await load(side, 1) // warm-up (fills the cache)
  for (const side of [uncached, cached]) Object.assign(side, { requests: 0, seconds: 0, p99: [], errors: 0 })
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 ? [cached, uncached] : [uncached, cached]
    for (const side of order) await load(side, seconds)
  }
} finally {
  for (const side of [uncached, cached]) {
    await side.rr.stop()
    side.project.cleanup()
  }
}
const rps = (s: Side) => s.requests / s.seconds
const row = (s: Side) => `| ${s.name} | ${rps(s).toFixed(0)} req/s | ${Math.max(...s.p99)} ms | ${s.errors} |`
process.stderr.write(
  `task.list status=open limit=20 over ${rows + 3} tasks; ${rounds} alternating rounds of ${seconds} s, ` +
    `${connections} connections; node ${process.version}\n` +
    `| mode | throughput | worst round p99 | errors |\n|---|---|---|---|\n${row(uncached)}\n${row(cached)}\n` +
    `ratio cached/uncached: ${(rps(cached) / rps(uncached)).toFixed(2)}x\n`,
)
