/**
 * The hand-run soak (not part of CI): DeskFlow under the real rr and the real Centrifugo for N minutes
 * of mixed load on loopback, with a random http worker SIGKILLed on a fixed period (0: never).
 *
 *   node --import tsx scripts/soak.ts [--minutes=10] [--kill-every=5] [--rate=60] [--connections=4]
 *     [--requests=N (stop after N creates instead of --minutes)] [--semi-space=MB (http workers'
 *     --max-semi-space-size)] [--settle=ms (wait between the two forced GCs of a probe, default 3000)]
 *     [--probe-at=10000,100000 (create counts of the memory probes; the gate compares first and last)]
 *
 * The memory gate (run with --kill-every=0 so the workers live through the run):
 *   node --import tsx scripts/soak.ts --requests=100000 --kill-every=0 --rate=600 --connections=8
 * At 10k and at 100k creates the load pauses and each http worker (scripts/soak-worker.ts) is probed:
 * RSS as is, after a forced memory-reducing GC, and after a settle period and a second GC, plus V8's
 * heap spaces. One worker also writes a heap snapshot at each point and the soak prints the diff
 * (top growing constructors); the other is never snapshotted, and its settled RSS is the gate: more
 * than 5 MB of growth from 10k to 100k fails the soak (exit 1) with a message naming the worker.
 *
 * Load, all bounded and paced (rate = requests per second over all connections):
 *   - HTTP: rounds of autocannon task.create (unique titles) and task.list requests;
 *   - jobs: member.invite every 200 ms (Moonlight async() -> rr jobs -> the DeskFlow jobs worker);
 *   - realtime: a centrifuge-js client subscribed to moonlight:tasks (a publication per create) that
 *     also sends a task.list RPC frame every second.
 * At the end it checks: every confirmed create is in the database once (extra rows only from 5xx
 * answers), every accepted job ran, the pools are back to full size. It prints the totals and the
 * worker RSS at start and end as a Markdown block for RELIABILITY.md, and exits 1 if anything was lost.
 */
import { parseArgs } from 'node:util'
import { join } from 'node:path'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { randomBytes } from 'node:crypto'
import Database from 'better-sqlite3'
import WebSocket from 'ws'
import { Centrifuge } from 'centrifuge'
import { RpcClient, informer, type WorkerState } from '../src/rpc/index.js'
import { nodeCommand, startRr } from '../test/helpers/rr.js'
import { tempProject } from '../test/deskflow/project.js'
import { centrifugoConfig, distinctPorts, repoRrConfig, startCentrifugo } from '../test/centrifugo/stack.js'
import { alive, runCreateLoad, startKiller } from '../test/reliability/load.js'
import { heapDiffTable } from './heap-diff.js'

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    'kill-every': { type: 'string', default: '5' },
    rate: { type: 'string', default: '60' },
    connections: { type: 'string', default: '4' },
    requests: { type: 'string', default: '0' },
    'semi-space': { type: 'string', default: '' },
    settle: { type: 'string', default: '3000' },
    'probe-at': { type: 'string', default: '10000,100000' },
  },
})
const MINUTES = Number(values.minutes)
const KILL_EVERY_S = Number(values['kill-every'])
const RATE = Number(values.rate)
const CONNECTIONS = Number(values.connections)
const REQUESTS = Number(values.requests)
const SEMI_SPACE = values['semi-space'] ? Number(values['semi-space']) : undefined
/** Create counts at which the http workers' memory is probed; the gate compares the first and the last. */
const PROBE_AT = values['probe-at'].split(',').map(Number).filter((n) => !REQUESTS || n <= REQUESTS)
const GATE_BYTES = 5 * 2 ** 20
const log = (line: string) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}\n`)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`

// --- stack ---------------------------------------------------------------------------------------
const [rpcPort, proxyPort, grpcPort, centrifugoPort, httpPort] = (await distinctPorts(5)) as [number, number, number, number, number]
const rpcAddress = `tcp://127.0.0.1:${rpcPort}`
const base = `http://127.0.0.1:${httpPort}`
const project = tempProject()
project.setSection('realtime', { ENABLED: 'true', CHANNEL_PREFIX: 'moonlight' })
project.setSection('jobs', { ENABLED: 'true', PIPELINE: 'moonlight', RPC: rpcAddress })
const marker = `--soak=${randomBytes(6).toString('hex')}`
const probeDir = mkdtempSync(join(tmpdir(), 'pionia-soak-probe-'))
const workerCommand = nodeCommand('scripts/soak-worker.ts', marker)
if (SEMI_SPACE !== undefined) workerCommand.splice(1, 0, `--max-semi-space-size=${SEMI_SPACE}`)
const centrifugo = await startCentrifugo(
  centrifugoConfig({ httpPort: centrifugoPort, grpcPort, proxyPort }) as { http_server: { port: number } },
)
const { extra, centrifuge } = await repoRrConfig()
const rr = await startRr({
  cwd: project.root,
  config: {
    ...extra,
    rpc: { listen: rpcAddress },
    server: { command: workerCommand, relay: 'pipes', env: { SOAK_PROBE_DIR: probeDir, SOAK_SETTLE_MS: String(values.settle) } },
    http: { address: `127.0.0.1:${httpPort}`, max_request_size: 10, pool: { num_workers: 2, allocate_timeout: '60s', destroy_timeout: '10s' } },
    jobs: {
      consume: ['moonlight'],
      pool: { num_workers: 1, allocate_timeout: '60s', destroy_timeout: '10s' },
      pipelines: { moonlight: { driver: 'memory', config: { priority: 10, prefetch: 100 } } },
    },
    centrifuge: {
      ...centrifuge,
      proxy_address: `tcp://127.0.0.1:${proxyPort}`,
      grpc_api_address: `127.0.0.1:${grpcPort}`,
      pool: { num_workers: 1, allocate_timeout: '60s', destroy_timeout: '10s' },
    },
    endure: { grace_period: '10s' },
    logs: { level: 'info', mode: 'development' },
  },
  waitForUrl: `${base}/api/v1/ping`,
})
const rpc = new RpcClient(rpcAddress, { timeoutMs: 10_000 })
interface Pools {
  http: WorkerState[]
  jobs: WorkerState[]
  centrifuge: WorkerState[]
}
const pools = async (): Promise<Pools> => ({
  http: await informer(rpc).workers('http'),
  jobs: await informer(rpc).workers('jobs'),
  centrifuge: await informer(rpc).workers('centrifuge'),
})
const waitFull = async (): Promise<Pools> => {
  for (let i = 0; i < 600; i++) {
    const p = await pools().catch(() => undefined)
    if (p && p.http.length === 2 && p.jobs.length === 1 && p.centrifuge.length === 1 && Object.values(p).flat().every((w) => w.status === 1 || w.status === 2)) return p
    await sleep(100)
  }
  throw new Error('pools did not reach full size')
}
const rssStart = await waitFull()
const rssLine = (p: Pools) =>
  (Object.entries(p) as [string, WorkerState[]][]).map(([k, ws]) => `${k} ${ws.map((w) => mb(w.memoryUsage)).join(' / ')}`).join('; ')

const post = async (body: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${base}/api/v1/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  })
  return { status: res.status, body: (await res.json().catch(() => null)) as { returnCode: number; returnData: any } | null }
}
const login = await post({ service: 'member', action: 'login', email: 'alex@northwind.studio', password: 'secret' })
const token = login.body!.returnData.token as string
const authorization = `Bearer ${token}`

// --- realtime client -----------------------------------------------------------------------------
const prefix = `soak-${Date.now().toString(36)}`
const published = new Set<string>()
const rt = { rpcSent: 0, rpcOk: 0, rpcFailed: 0 }
const client = new Centrifuge(centrifugo.wsUrl, { websocket: WebSocket, data: { token }, minReconnectDelay: 100, maxReconnectDelay: 1000 })
const sub = client.newSubscription('moonlight:tasks')
sub.on('publication', (ctx) => {
  const t = (ctx.data as { task?: { title?: string } })?.task?.title
  if (typeof t === 'string' && t.startsWith(prefix)) published.add(t)
})
sub.subscribe()
client.connect()
await client.ready(30_000)

// --- load ----------------------------------------------------------------------------------------
const end = Date.now() + MINUTES * 60_000
const totals = { sent: 0, ok2xx: 0, fivexx: 0, other: 0, errors: 0, timeouts: 0 }
const titles = new Set<string>()
const confirmed: string[] = []
const jobs = { sent: 0, accepted: 0, fallback: 0, failed: 0, failedStatuses: {} as Record<string, number>, emails: [] as string[] }
let running = true
// while the workers are probed: the job and realtime loops wait on this
let paused: Promise<void> | null = null

// --- memory probes (scripts/soak-worker.ts answers SIGUSR2) ------------------------------------------
interface Mem {
  rss: number
  heapUsed: number
  heapTotal: number
  external: number
  arrayBuffers: number
}
interface Probe {
  pid: number
  seq: number
  raw: Mem
  afterGc: Mem
  settled: Mem
  spaces: Record<string, { size: number; used: number }>
  snapshot: string | null
}
/** Per create count: each http worker's probe. */
const probes = new Map<number, Map<number, Probe>>()
const probeSeq = new Map<number, number>()
let snapshotPid: number | undefined
const probeWorkers = async (at: number): Promise<void> => {
  const pids = (await informer(rpc).workers('http')).map((w) => w.pid).sort((a, b) => a - b)
  // the highest pid writes the heap snapshots; the others are only measured (the gate reads those)
  if (snapshotPid === undefined || !pids.includes(snapshotPid)) snapshotPid = pids.at(-1)
  writeFileSync(join(probeDir, `snapshot-${snapshotPid}`), '')
  const got = new Map<number, Probe>()
  for (const pid of pids) {
    const seq = (probeSeq.get(pid) ?? 0) + 1
    probeSeq.set(pid, seq)
    const file = join(probeDir, `${pid}-${seq}.json`)
    process.kill(pid, 'SIGUSR2')
    for (let i = 0; !existsSync(file); i++) {
      if (i > 1200) throw new Error(`worker ${pid} wrote no memory probe in 120 s (${file}); its last lines:\n${rr.output().split('\n').slice(-10).join('\n')}`)
      await sleep(100)
    }
    got.set(pid, JSON.parse(readFileSync(file, 'utf8')) as Probe)
  }
  probes.set(at, got)
  for (const p of got.values()) log(`probe at ${at} creates: ${probeLine(p)}`)
}
const probeLine = (p: Probe) =>
  `pid ${p.pid}${p.snapshot ? ' (snapshot)' : ''}: RSS ${mb(p.raw.rss)} as is, ${mb(p.afterGc.rss)} after GC, ${mb(p.settled.rss)} settled; ` +
  `heap used ${mb(p.settled.heapUsed)} of ${mb(p.settled.heapTotal)}; new space ${mb(p.spaces.new_space?.size ?? 0)} (raw heap total ${mb(p.raw.heapTotal)}), ` +
  `old space ${mb(p.spaces.old_space?.used ?? 0)} used of ${mb(p.spaces.old_space?.size ?? 0)}; external ${mb(p.settled.external)}`

// --kill-every=0: no kills (to watch long-lived workers' RSS)
const killer = KILL_EVERY_S > 0
  ? startKiller(async () => (await informer(rpc).workers('http')).map((w) => w.pid), KILL_EVERY_S * 1000)
  : { stop: async (): Promise<number[]> => [] }

const jobLoop = (async () => {
  let n = 0
  while (running) {
    if (paused) await paused
    const email = `${prefix}-${++n}@example.com`
    jobs.sent++
    try {
      const r = await post({ service: 'member', action: 'invite', email }, { authorization })
      if (r.status === 202 && typeof r.body?.returnData?.job_id === 'string') {
        jobs.accepted++
        jobs.emails.push(email)
      } else if (r.status === 200 && r.body?.returnCode === 0) jobs.fallback++ // queue unavailable: ran in the http worker
      else {
        jobs.failed++
        jobs.failedStatuses[r.status] = (jobs.failedStatuses[r.status] ?? 0) + 1
      }
    } catch (err) {
      jobs.failed++
      const k = (err as Error).name
      jobs.failedStatuses[k] = (jobs.failedStatuses[k] ?? 0) + 1
    }
    await sleep(200)
  }
})()

const rtLoop = (async () => {
  while (running) {
    if (paused) await paused
    rt.rpcSent++
    try {
      const r = await client.rpc('moonlight', { service: 'task', action: 'list', limit: 1 })
      if ((r.data as { returnCode?: number })?.returnCode === 0) rt.rpcOk++
      else rt.rpcFailed++
    } catch {
      rt.rpcFailed++
    }
    await sleep(1000)
  }
})()

let round = 0
const more = () => (REQUESTS ? totals.sent < REQUESTS : Date.now() < end)
while (more()) {
  round++
  const nextProbe = PROBE_AT.find((n) => n > totals.sent)
  let amount = REQUESTS ? REQUESTS - totals.sent : Math.max(50, Math.floor(((end - Date.now()) / 1000) * RATE))
  amount = Math.min(amount, RATE * 30, nextProbe !== undefined ? nextProbe - totals.sent : Infinity)
  const r = await runCreateLoad({ base, authorization, amount, connections: CONNECTIONS, timeoutSec: 30, prefix: `${prefix}-r${round}`, rate: RATE })
  // requests issued = answers + connection errors (autocannon's own `sent` also counts its initial rate budget)
  totals.sent += r.answered + r.errors
  totals.ok2xx += r.ok2xx
  totals.errors += r.errors
  totals.timeouts += r.timeouts
  for (const [s, c] of Object.entries(r.other)) {
    if (Number(s) >= 500) totals.fivexx += c
    else totals.other += c
  }
  for (const t of r.titles) titles.add(t)
  confirmed.push(...r.confirmed)
  const rss = await pools().then((p) => rssLine(p)).catch(() => 'n/a')
  log(`round ${round}: RSS ${rss}`)
  log(`round ${round}: ${r.answered + r.errors} creates, 2xx ${r.ok2xx}, other ${JSON.stringify(r.other)}, errors ${r.errors}; ${jobs.accepted} jobs accepted; ${published.size} publications`)
  const at = PROBE_AT.find((n) => totals.sent >= n && !probes.has(n))
  if (at !== undefined) {
    let resume = () => {}
    paused = new Promise<void>((r) => (resume = r))
    try {
      await probeWorkers(at)
    } finally {
      paused = null
      resume()
    }
  }
}
running = false
const killed = await killer.stop()
await Promise.all([jobLoop, rtLoop])

// --- checks --------------------------------------------------------------------------------------
const rssEnd = await waitFull()
const jobsDone = () => jobs.emails.filter((e) => rr.output().includes(`Welcome email sent to ${e}`)).length
for (let i = 0; i < 300 && jobsDone() < jobs.emails.length; i++) await sleep(100)
await sleep(2000) // late publications
const db = new Database(join(project.root, 'database.sqlite3'), { readonly: true })
db.pragma('busy_timeout = 5000')
const rows = (db.prepare('SELECT title FROM tasks WHERE title LIKE ?').all(`${prefix}-r%`) as { title: string }[]).map((r) => r.title)
db.close()
const inDb = new Set(rows)
const lostCreates = confirmed.filter((t) => !inDb.has(t)).length
const doubled = rows.length - inDb.size
const unknownRows = rows.filter((t) => !titles.has(t)).length
const extraRows = rows.length - confirmed.length
const lostJobs = jobs.emails.length - jobsDone()
const allPids = Object.values(rssEnd).flat().map((w) => w.pid)
const lost = lostCreates + doubled + unknownRows + lostJobs + Math.max(0, extraRows - totals.fivexx)

client.disconnect()
await rpc.close()
const code = await rr.stop()
if (code !== 0) log(`rr exited ${code}; its last lines:\n${rr.output().split('\n').slice(-15).join('\n')}`)
await centrifugo.stop()
project.cleanup()

// --- the memory gate: settled RSS of the never-snapshotted workers, first probe point to last ------
const [firstAt, lastAt] = [PROBE_AT[0], PROBE_AT.at(-1)]
const first = firstAt !== undefined ? probes.get(firstAt) : undefined
const last = lastAt !== undefined && lastAt !== firstAt ? probes.get(lastAt) : undefined
const memory: string[] = []
const gateFailures: string[] = []
let gated = 0
if (first && last) {
  memory.push(`- memory probes at ${firstAt} and ${lastAt} creates (http workers${SEMI_SPACE !== undefined ? `, --max-semi-space-size=${SEMI_SPACE}` : ''}; settle ${values.settle} ms):`)
  for (const [pid, b] of last) {
    const a = first.get(pid)
    if (!a) {
      memory.push(`  - pid ${pid}: started after the first probe (a replaced worker), not compared`)
      continue
    }
    const d = (f: (p: Probe) => number) => { const x = f(b) - f(a); return `${x >= 0 ? '+' : ''}${mb(x)}` }
    memory.push(`  - pid ${pid}${pid === snapshotPid ? ' (heap snapshots, not gated)' : ''}: RSS as is ${mb(a.raw.rss)} -> ${mb(b.raw.rss)} (${d((p) => p.raw.rss)}); ` +
      `after GC ${mb(a.afterGc.rss)} -> ${mb(b.afterGc.rss)} (${d((p) => p.afterGc.rss)}); settled ${mb(a.settled.rss)} -> ${mb(b.settled.rss)} (${d((p) => p.settled.rss)}); ` +
      `live heap ${mb(a.settled.heapUsed)} -> ${mb(b.settled.heapUsed)} (${d((p) => p.settled.heapUsed)}); ` +
      `V8 heap reserved before the GC ${mb(a.raw.heapTotal)} -> ${mb(b.raw.heapTotal)}, after it ${mb(a.settled.heapTotal)} -> ${mb(b.settled.heapTotal)}`)
    if (pid === snapshotPid) continue
    gated++
    const growth = b.settled.rss - a.settled.rss
    if (growth > GATE_BYTES)
      gateFailures.push(`http worker ${pid}: RSS after a forced GC grew ${mb(growth)} from ${firstAt} to ${lastAt} creates (${mb(a.settled.rss)} -> ${mb(b.settled.rss)}), more than the 5 MB the soak allows: a leak or memory that never comes back; read the heap diff above`)
  }
  if (!gated) memory.push('  - no worker lived through both probes without snapshots (run with --kill-every=0): the RSS gate did not run')
  const snapA = snapshotPid !== undefined ? first.get(snapshotPid)?.snapshot : undefined
  const snapB = snapshotPid !== undefined ? last.get(snapshotPid)?.snapshot : undefined
  if (snapA && snapB) memory.push('', `Heap snapshot diff, pid ${snapshotPid}, ${firstAt} -> ${lastAt} creates (top growing constructors):`, '', heapDiffTable(snapA, snapB), '')
} else memory.push(`- memory probes: ${probes.size} of ${PROBE_AT.length} points reached (${PROBE_AT.join(', ')} creates); no RSS gate`)
rmSync(probeDir, { recursive: true, force: true })

const report = [
  `Soak: ${REQUESTS ? `${REQUESTS} creates` : `${MINUTES} min`}, rate ${RATE}/s over ${CONNECTIONS} connections, a random http worker SIGKILLed every ${KILL_EVERY_S} s`,
  `- command: node --import tsx scripts/soak.ts ${REQUESTS ? `--requests=${REQUESTS}` : `--minutes=${MINUTES}`} --kill-every=${KILL_EVERY_S} --rate=${RATE} --connections=${CONNECTIONS}${SEMI_SPACE !== undefined ? ` --semi-space=${SEMI_SPACE}` : ''}${values.settle !== '3000' ? ` --settle=${values.settle}` : ''}`,
  `- HTTP task.create: sent ${totals.sent}, succeeded ${totals.ok2xx}, failed ${totals.fivexx} (5xx, request in flight in a killed worker), other statuses ${totals.other}, connection errors ${totals.errors}, timeouts ${totals.timeouts}`,
  `- database: ${rows.length} rows for ${confirmed.length} confirmed creates (extra rows ${extraRows}, all from 5xx answers: ${extraRows <= totals.fivexx}), confirmed but missing ${lostCreates}, doubled ${doubled}, never sent ${unknownRows}`,
  `- jobs (member.invite -> rr jobs): sent ${jobs.sent}, accepted ${jobs.accepted}, ran ${jobsDone()}, lost ${lostJobs}, ran in process (queue unavailable) ${jobs.fallback}, failed ${jobs.failed} ${JSON.stringify(jobs.failedStatuses)}`,
  `- realtime: ${published.size} moonlight:tasks publications for ${confirmed.length} confirmed creates; RPC frames sent ${rt.rpcSent}, ok ${rt.rpcOk}, failed ${rt.rpcFailed}`,
  `- kills: ${killed.length} (all gone: ${killed.every((p) => !alive(p))}; none in the final pools: ${killed.every((p) => !allPids.includes(p))})`,
  `- worker RSS at start: ${rssLine(rssStart)}`,
  `- worker RSS at end: ${rssLine(rssEnd)}`,
  ...memory,
  `- memory gate (settled RSS growth <= 5 MB per measured worker): ${first && last && gated ? (gateFailures.length ? 'FAILED' : `passed (${gated} worker${gated > 1 ? 's' : ''})`) : 'not run'}`,
  `- lost: ${lost}; rr exit code ${code}`,
]
process.stdout.write(report.join('\n') + '\n')
for (const f of gateFailures) process.stderr.write(`soak: FAILED: ${f}\n`)
process.exit(lost === 0 && totals.other === 0 && totals.timeouts === 0 && code === 0 && gateFailures.length === 0 ? 0 : 1)
