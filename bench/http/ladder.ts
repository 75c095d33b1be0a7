/**
 * The HTTP ladder: every layer from plain node:http up to DeskFlow with all of its middleware,
 * measured one after another and interleaved over several rounds in one run, so load from elsewhere
 * on the machine hits every case alike. Run by hand, never in CI.
 *
 *   case       what answers                                              request
 *   node       node:http cluster (1 or 2 processes), no rr               GET /
 *   null       rr + a null worker: one pre-encoded http.v1 frame         GET /
 *   nullpost   rr + the null worker, answering the moonlight case's POST  POST /api/v1/ (nullpost ÷ null: rr's own cost of it)
 *   loop       rr + the SDK's runWorker loop answering the same bytes    GET /   (loop − null: relay + worker layers)
 *   fetch      rr + serve({ http: { fetch: () => Response.json(...) } }) GET /
 *   fetchpost  rr + a bare fetch handler doing bench.ping's job by hand POST /api/v1/ (the same body, envelope and headers)
 *   moonlight  rr + a Moonlight app with one action bench.ping           POST /api/v1/ {"service":"bench","action":"ping"}
 *   tasklist   rr + DeskFlow task.list (SQLite, cache off, no auth)      POST /api/v1/ {"service":"task","action":"list"}
 *   dfping     rr + DeskFlow GET /api/v1/ping through all its middleware GET /api/v1/ping
 *
 * Every rr case runs compiled workers (`node dist/...`): `npm run build` first; the ladder compiles
 * its own workers (bench/http/ladder/*.ts) with esbuild into dist/bench/http/ladder/, bundled the way
 * `pionia optimize` bundles pionia into an app (our modules inlined, npm packages left as imports,
 * dynamic imports in chunks of their own); --no-bundle compiles them file by file instead, importing
 * dist/src (tsc's layout). DeskFlow (tasklist, dfping) runs dist/worker.js as tsc built it. rr gets the repository's
 * .rr.yaml (rpc, http, kv, metrics, logs; jobs and centrifuge dropped) with fresh loopback ports, so
 * a change to .rr.yaml is measured here. Load: wrk (`apt-get install wrk`), autocannon only when wrk
 * is absent; the memory phase always uses autocannon (it needs an exact request count).
 *
 * Per case and worker count it prints req/s, p50/p99, worker CPU µs per request (utime+stime of the
 * worker processes from /proc divided by the requests wrk counted), rr's CPU per request, worker
 * RSS after 10k and 100k requests (1 worker), boot (rr spawn → first 200, 1 worker, median), and
 * the per-layer budgets of issue 21 as ratios from this run. A table row is one round (the one with
 * the median req/s for that case), never a mix of rounds; a budget ratio is computed within each
 * round (or boot run) and the median over rounds is printed next to every round's value.
 * `--rounds=0` measures boot (and memory) only.
 *
 *   node --import tsx bench/http/ladder.ts [--cases=null,fetch] [--workers=1,2] [--rounds=3]
 *     [--duration=8] [--connections=32] [--relays=pipes,unix,tcp] [--boot-runs=7] [--no-memory]
 *     [--no-boot] [--rr-opt=logs.level=error ...] [--cpu-prof=fetch] [--perf=moonlight]
 *
 * --rr-opt passes `-o key=value` to every rr; a --relays entry may carry settings for its own rr,
 * compared side by side: `--relays=pipes,pipes+GOGC=200,pipes+o:logs.level=error`. --cpu-prof=<case>
 * starts that case's workers with `node --cpu-prof` (profiles land in $TMPDIR/pionia-ladder-profiles/);
 * its samples are wall time, so a worker descheduled in a pipe write looks busy there. For CPU use
 * --perf=<case>: the workers run with `--perf-basic-prof` (JIT symbols in /tmp/perf-<pid>.map) and
 * `perf record -g -p <worker pid>` during the round shows where their CPU goes.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { build } from 'esbuild'
import { parse, stringify } from 'yaml'
import { ROOT, freePort, rrBinary } from '../../test/helpers/rr.js'
import { tempProject } from '../../test/deskflow/project.js'
import { cpuSeconds } from './proc.js'

const { values: opts } = parseArgs({
  options: {
    cases: { type: 'string', default: 'node,null,loop,fetch,fetchpost,moonlight,tasklist,dfping' },
    workers: { type: 'string', default: '1,2' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '32' },
    relays: { type: 'string', default: 'pipes' },
    'boot-runs': { type: 'string', default: '7' },
    'no-memory': { type: 'boolean', default: false },
    'no-boot': { type: 'boolean', default: false },
    'no-bundle': { type: 'boolean', default: false },
    'rr-opt': { type: 'string', multiple: true, default: [] },
    'cpu-prof': { type: 'string' },
    perf: { type: 'string' },
  },
})

const ROUNDS = Number(opts.rounds)
const DURATION = Number(opts.duration)
const WARMUP = Number(opts.warmup)
const CONNECTIONS = Number(opts.connections)
const BOOT_RUNS = Number(opts['boot-runs'])
const WORKERS = opts.workers.split(',').map(Number)
const RELAYS = opts.relays.split(',').map((r) => r.trim())
const WRK = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).trim() || null
  } catch {
    return null
  }
})()

// --- the cases ------------------------------------------------------------------------------

interface Target {
  method: 'GET' | 'POST'
  path: string
  body?: string
}

interface CaseDef {
  id: string
  label: string
  target: Target
  /** The worker command (null for `node`). */
  worker: string[] | null
}

const DIST = join(ROOT, 'dist')
const ladderJs = (name: string) => join(DIST, 'bench/http/ladder', `${name}.js`)
const CASES: CaseDef[] = [
  { id: 'node', label: 'node:http, no rr', target: { method: 'GET', path: '/' }, worker: null },
  { id: 'null', label: 'rr + null worker (pre-encoded frame)', target: { method: 'GET', path: '/' }, worker: [ladderJs('null')] },
  {
    id: 'nullpost',
    label: 'rr + null worker, POST /api/v1/ (rr\'s own cost of the POST)',
    target: { method: 'POST', path: '/api/v1/', body: '{"service":"bench","action":"ping"}' },
    worker: [ladderJs('null')],
  },
  { id: 'loop', label: 'rr + runWorker loop (pre-encoded answer)', target: { method: 'GET', path: '/' }, worker: [ladderJs('loop')] },
  { id: 'fetch', label: 'rr + pionia fetch (Response.json)', target: { method: 'GET', path: '/' }, worker: [ladderJs('fetch')] },
  {
    id: 'fetchpost',
    label: 'rr + pionia fetch doing bench.ping by hand',
    target: { method: 'POST', path: '/api/v1/', body: '{"service":"bench","action":"ping"}' },
    worker: [ladderJs('fetchpost')],
  },
  {
    id: 'moonlight',
    label: 'rr + Moonlight bench.ping',
    target: { method: 'POST', path: '/api/v1/', body: '{"service":"bench","action":"ping"}' },
    worker: [ladderJs('moonlight')],
  },
  {
    id: 'tasklist',
    label: 'rr + DeskFlow task.list (SQLite)',
    target: { method: 'POST', path: '/api/v1/', body: '{"service":"task","action":"list"}' },
    worker: [join(DIST, 'worker.js')],
  },
  { id: 'dfping', label: 'rr + DeskFlow ping (all middleware)', target: { method: 'GET', path: '/api/v1/ping' }, worker: [join(DIST, 'worker.js')] },
]

const selected = opts.cases.split(',').map((id) => {
  const c = CASES.find((x) => x.id === id.trim())
  if (!c) throw new Error(`unknown case "${id}": pick from ${CASES.map((x) => x.id).join(', ')}`)
  return c
})

// --- preparing the compiled workers and the project directory --------------------------------

if (!existsSync(join(DIST, 'src/index.js')) || !existsSync(join(DIST, 'worker.js'))) {
  throw new Error('dist/ is missing: run `npm run build` first (the ladder runs compiled workers)')
}
rmSync(join(DIST, 'bench/http/ladder'), { recursive: true, force: true })
await build({
  entryPoints: ['null', 'loop', 'fetch', 'fetchpost', 'moonlight', 'node'].map((n) => join(ROOT, 'bench/http/ladder', `${n}.ts`)),
  outdir: join(DIST, 'bench/http/ladder'),
  outbase: join(ROOT, 'bench/http/ladder'),
  format: 'esm',
  platform: 'node',
  target: 'node20',
  ...(opts['no-bundle'] ? { bundle: false } : { bundle: true, splitting: true, packages: 'external' as const }),
  logLevel: 'warning',
})

// One DeskFlow project (settings.ini copy, .env with a JWT secret, SQLite database) for every rr
// case: rr starts its workers in this directory. task.list with the rr KV cache off, so the case
// measures the SQLite path.
const project = tempProject({ env: { APP_NAME: 'ladder' } })
project.setSection('cache', { TASK_LIST_TTL: '0' })
const profiles = join(tmpdir(), 'pionia-ladder-profiles')
process.on('exit', () => project.cleanup())

/** The repository's .rr.yaml, only what an HTTP worker uses, on fresh loopback ports. */
/**
 * A relay column value: `pipes`, `unix` or `tcp`, optionally followed by `+` settings for that
 * column's rr only: `+NAME=value` sets an environment variable of rr (e.g. `pipes+GOGC=200`),
 * `+o:key=value` passes `-o key=value` (e.g. `pipes+o:logs.level=error`). So rr-side settings are
 * compared side by side in one run, like the relays.
 */
function setupOf(relay: string): { relay: string; env: Record<string, string>; overrides: string[] } {
  const [base, ...extra] = relay.split('+')
  const env: Record<string, string> = {}
  const overrides: string[] = []
  for (const x of extra) {
    if (x.startsWith('o:')) overrides.push(x.slice(2))
    else if (/^[A-Z_][A-Z0-9_]*=/.test(x)) env[x.slice(0, x.indexOf('='))] = x.slice(x.indexOf('=') + 1)
    else throw new Error(`--relays: "${x}" in "${relay}" is neither NAME=value (rr's environment) nor o:key=value (an rr -o override)`)
  }
  if (!['pipes', 'unix', 'tcp'].includes(base!)) throw new Error(`--relays: "${base}" is not a relay: pick pipes, unix or tcp`)
  return { relay: base!, env, overrides }
}

async function rrConfig(worker: string[], workers: number, relay: string, id: string): Promise<{ config: Record<string, any>; port: number }> {
  const base = parse(readFileSync(join(ROOT, '.rr.yaml'), 'utf8')) as Record<string, any>
  const port = await freePort()
  const config: Record<string, any> = {}
  for (const key of ['rpc', 'server', 'http', 'kv', 'metrics', 'logs']) if (base[key]) config[key] = base[key]
  config.rpc = { listen: `tcp://127.0.0.1:${await freePort()}` }
  if (config.metrics) config.metrics.address = `127.0.0.1:${await freePort()}`
  const flags = opts['cpu-prof'] === id ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`] : []
  if (opts.perf === id) flags.push('--perf-basic-prof')
  config.server = { ...config.server, command: [process.execPath, ...flags, ...worker].join(' ') }
  if (relay === 'unix') config.server.relay = `unix://${join(project.root, `rr-${port}.sock`)}`
  else if (relay === 'tcp') config.server.relay = `tcp://127.0.0.1:${await freePort()}`
  else config.server.relay = 'pipes'
  config.http = { ...config.http, address: `127.0.0.1:${port}`, pool: { ...config.http?.pool, num_workers: workers } }
  return { config, port }
}

// --- processes and /proc ----------------------------------------------------------------------

function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((x) => Number(x.trim()))
      .filter((x) => x > 0)
  } catch {
    return []
  }
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) * 1024 : NaN
}

interface Running {
  url: string
  /** rr itself (empty for node:http). */
  server: number[]
  workers: number[]
  stop(): Promise<void>
}

const ok = (status: number) => status >= 200 && status < 300

/** Sends the case's request until it answers 2xx (503/502 and refused connections: rr still starting). */
async function firstAnswer(url: string, t: Target, child: ChildProcess, output: () => string, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode} during start:\n${output()}`)
    if (Date.now() > deadline) throw new Error(`no 2xx from ${url} within ${limitMs} ms:\n${output()}`)
    try {
      const r = await fetch(url, { method: t.method, body: t.body, headers: t.body ? { 'content-type': 'application/json' } : {}, signal: AbortSignal.timeout(5000) })
      await r.arrayBuffer()
      if (ok(r.status)) return
      if (r.status !== 503 && r.status !== 502) throw new Error(`${t.method} ${url} answered ${r.status} during start:\n${output()}`)
    } catch (err) {
      if (err instanceof Error && err.message.includes('answered')) throw err
    }
    await new Promise((r) => setTimeout(r, 2))
  }
}

async function start(c: CaseDef, workers: number, relay: string): Promise<Running & { bootMs: number }> {
  const t0 = performance.now()
  let child: ChildProcess
  let url: string
  let out = ''
  let dir: string | null = null
  if (c.worker === null) {
    const port = await freePort()
    url = `http://127.0.0.1:${port}${c.target.path}`
    child = spawn(process.execPath, [ladderJs('node')], {
      env: { ...process.env, BENCH_PORT: String(port), BENCH_WORKERS: String(workers) },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
  } else {
    const setup = setupOf(relay)
    const { config, port } = await rrConfig(c.worker, workers, setup.relay, c.id)
    url = `http://127.0.0.1:${port}${c.target.path}`
    dir = mkdtempSync(join(tmpdir(), 'ladder-rr-'))
    writeFileSync(join(dir, '.rr.yaml'), stringify({ version: '3', ...config }))
    const args = ['serve', '-c', join(dir, '.rr.yaml'), '-w', project.root]
    for (const o of [...opts['rr-opt'], ...setup.overrides]) args.push('-o', o)
    child = spawn(rrBinary(), args, { cwd: project.root, env: { ...process.env, ...setup.env }, stdio: ['ignore', 'pipe', 'pipe'] })
    // rr's log is read and dropped (keeping the tail for errors): what runserver does costs more.
    child.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-8000)))
  }
  child.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-8000)))
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  await firstAnswer(url, c.target, child, () => out)
  const bootMs = performance.now() - t0
  let workerPids = childrenOf(child.pid!)
  // node:http cluster: wait until every process listens (the first answer needs only one).
  for (let i = 0; workerPids.length < workers && i < 100; i++) {
    await new Promise((r) => setTimeout(r, 20))
    workerPids = childrenOf(child.pid!)
  }
  return {
    url,
    bootMs,
    server: c.worker === null ? [] : [child.pid!],
    workers: workerPids,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      const t = setTimeout(() => child.kill('SIGKILL'), 20_000)
      await exited
      clearTimeout(t)
      if (dir) rmSync(dir, { recursive: true, force: true })
    },
  }
}

// --- load ---------------------------------------------------------------------------------------

interface Load {
  requests: number
  seconds: number
  p50: number
  p99: number
  errors: number
}

function msOf(text: string): number {
  const m = /([\d.]+)(us|ms|s)/.exec(text)
  if (!m) return NaN
  const v = Number(m[1])
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v
}

const luaScripts = new Map<string, string>()
function luaFor(t: Target): string {
  const key = `${t.method} ${t.body ?? ''}`
  let path = luaScripts.get(key)
  if (!path) {
    path = join(project.root, `wrk-${luaScripts.size}.lua`)
    const lines = [`wrk.method = "${t.method}"`]
    if (t.body) lines.push(`wrk.body = '${t.body}'`, `wrk.headers["Content-Type"] = "application/json"`)
    writeFileSync(path, lines.join('\n') + '\n')
    luaScripts.set(key, path)
  }
  return path
}

async function wrk(url: string, t: Target, seconds: number): Promise<Load> {
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-s', luaFor(t), url]
  const text = await new Promise<string>((res, rej) => {
    const p = spawn(WRK!, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let s = ''
    p.stdout.on('data', (d: Buffer) => (s += d.toString()))
    p.stderr.on('data', (d: Buffer) => (s += d.toString()))
    p.once('exit', (code) => (code === 0 ? res(s) : rej(new Error(`wrk failed (${code}): ${s}`))))
  })
  const requests = Number(/(\d+) requests in ([\d.]+)(\w+)/.exec(text)?.[1] ?? NaN)
  const dur = /\d+ requests in ([\d.]+\w+)/.exec(text)?.[1] ?? `${seconds}s`
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0)
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text)
  const errors = non2xx + (sock ? Number(sock[1]) + Number(sock[3]) + Number(sock[4]) : 0)
  return {
    requests,
    seconds: msOf(dur) / 1000,
    p50: msOf(/^\s*50%\s+(\S+)\s*$/m.exec(text)?.[1] ?? ''),
    p99: msOf(/^\s*99%\s+(\S+)\s*$/m.exec(text)?.[1] ?? ''),
    errors,
  }
}

async function autocannonLoad(url: string, t: Target, spec: { duration?: number; amount?: number }): Promise<Load> {
  const { default: autocannon } = await import('autocannon')
  const r = await autocannon({
    url,
    method: t.method,
    body: t.body,
    headers: t.body ? { 'content-type': 'application/json' } : {},
    connections: CONNECTIONS,
    ...spec,
  })
  return { requests: r.requests.total, seconds: r.duration, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx + r.timeouts }
}

const load = (url: string, t: Target, seconds: number): Promise<Load> => (WRK ? wrk(url, t, seconds) : autocannonLoad(url, t, { duration: seconds }))

// --- the run --------------------------------------------------------------------------------------

interface Sample {
  rps: number
  p50: number
  p99: number
  workerUs: number
  rrUs: number
  errors: number
}

interface Variant {
  key: string
  c: CaseDef
  workers: number
  relay: string
}

const variants: Variant[] = []
for (const workers of WORKERS) {
  for (const c of selected) {
    for (const relay of c.worker === null ? ['-'] : RELAYS) variants.push({ key: `${c.id}/${workers}/${relay}`, c, workers, relay })
  }
}
const samples = new Map<string, Sample[]>()
const boots = new Map<string, number[]>()
const memory = new Map<string, { rss10k: number; rss100k: number }>()
if (opts['cpu-prof']) mkdirSync(profiles, { recursive: true })

const rrVersion = execFileSync(rrBinary(), ['--version'], { encoding: 'utf8' }).trim()
process.stderr.write(
  `HTTP ladder: node ${process.version}, ${rrVersion}, load ${WRK ? `wrk -t1 -c${CONNECTIONS}` : `autocannon -c${CONNECTIONS} (wrk not found: apt-get install wrk)`} ` +
    `-d${DURATION}s after ${WARMUP}s warm-up, ${ROUNDS} interleaved round(s), workers ${WORKERS.join('/')}, relays ${RELAYS.join('/')}` +
    (opts['rr-opt'].length ? `, rr -o ${opts['rr-opt'].join(' -o ')}` : '') +
    `\n`,
)

const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-')
for (let round = 0; round < ROUNDS; round++) {
  for (const v of variants) {
    const running = await start(v.c, v.workers, v.relay)
    try {
      await load(running.url, v.c.target, WARMUP)
      const w0 = cpuSeconds(running.workers)
      const s0 = cpuSeconds(running.server)
      const r = await load(running.url, v.c.target, DURATION)
      const n = r.requests || 1
      const sample: Sample = {
        rps: r.requests / r.seconds,
        p50: r.p50,
        p99: r.p99,
        workerUs: ((cpuSeconds(running.workers) - w0) * 1e6) / n,
        rrUs: ((cpuSeconds(running.server) - s0) * 1e6) / n,
        errors: r.errors,
      }
      samples.set(v.key, [...(samples.get(v.key) ?? []), sample])
      process.stderr.write(
        `  round ${round + 1} ${v.key.padEnd(20)} ${fmt(sample.rps).padStart(6)} req/s  p50 ${fmt(sample.p50, 2)} ms  p99 ${fmt(sample.p99, 2)} ms  ` +
          `worker ${fmt(sample.workerUs, 1)} µs/req  rr ${v.c.worker ? fmt(sample.rrUs, 1) : '-'} µs/req${sample.errors ? `  ERRORS ${sample.errors}` : ''}\n`,
      )
    } finally {
      await running.stop()
    }
  }
}

// Boot: rr spawn → first 2xx with one worker, the cases interleaved run by run.
const bootVariants = variants.filter((v) => v.workers === WORKERS[0] && v.c.worker !== null)
if (!opts['no-boot']) {
  for (let i = 0; i < BOOT_RUNS; i++) {
    for (const v of bootVariants) {
      const running = await start(v.c, 1, v.relay)
      await running.stop()
      boots.set(v.c.id + '/' + v.relay, [...(boots.get(v.c.id + '/' + v.relay) ?? []), running.bootMs])
    }
  }
  process.stderr.write(`  boot: ${BOOT_RUNS} run(s) per case done\n`)
}

// Memory: one worker, RSS from /proc after 10,000 and after 100,000 requests (autocannon, exact counts).
if (!opts['no-memory']) {
  for (const v of bootVariants) {
    const running = await start(v.c, 1, v.relay)
    try {
      const pid = running.workers[0]!
      await autocannonLoad(running.url, v.c.target, { amount: 10_000 })
      const rss10k = rssBytes(pid)
      await autocannonLoad(running.url, v.c.target, { amount: 90_000 })
      const rss100k = rssBytes(pid)
      memory.set(v.c.id + '/' + v.relay, { rss10k, rss100k })
      process.stderr.write(`  memory ${v.c.id}/${v.relay}: RSS ${fmt(rss10k / 2 ** 20, 1)} MiB after 10k, ${fmt(rss100k / 2 ** 20, 1)} MiB after 100k\n`)
    } finally {
      await running.stop()
    }
  }
}

// --- the table --------------------------------------------------------------------------------------

/** The median; for an even count the mean of the two middle values. */
const median = (xs: number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b)
  if (!s.length) return NaN
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
interface Row {
  v: Variant
  /** The round the row shows (1-based): every column of a row comes from this one round. */
  round: number
  sample: Sample | undefined
  errors: number
}
// A row is one round, the one with the median req/s (the lower of the two middle ones for an even
// count), so its req/s, latencies and CPU figures belong together; a median per column could
// take each figure from a different round.
const rows: Row[] = variants.map((v) => {
  const s = samples.get(v.key) ?? []
  const order = s.map((x, i) => i).filter((i) => Number.isFinite(s[i]!.rps)).sort((a, b) => s[a]!.rps - s[b]!.rps)
  const pick = order.length ? order[(order.length - 1) >> 1]! : -1
  return { v, round: pick + 1, sample: s[pick], errors: s.reduce((a, x) => a + x.errors, 0) }
})
const mib = (n: number | undefined) => (n === undefined ? '-' : fmt(n / 2 ** 20, 1))
const out: string[] = [
  '',
  `| case | workers | relay | round | req/s | p50 ms | p99 ms | worker CPU µs/req | rr CPU µs/req | boot ms (1 worker) | RSS MiB 10k → 100k (1 worker) |`,
  '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
]
for (const r of rows) {
  const one = r.v.workers === WORKERS[0] ? r.v.c.id + '/' + r.v.relay : null
  const boot = one ? median(boots.get(one) ?? []) : NaN
  const m = one ? memory.get(one) : undefined
  const x = r.sample
  out.push(
    `| ${r.v.c.label} | ${r.v.workers} | ${r.v.relay} | ${x ? r.round : '-'} | ${fmt(x?.rps ?? NaN)} | ${fmt(x?.p50 ?? NaN, 2)} | ${fmt(x?.p99 ?? NaN, 2)} | ${fmt(x?.workerUs ?? NaN, 1)} | ` +
      `${r.v.c.worker ? fmt(x?.rrUs ?? NaN, 1) : '-'} | ${fmt(boot)} | ${m ? `${mib(m.rss10k)} → ${mib(m.rss100k)} (${m.rss100k >= m.rss10k ? '+' : ''}${mib(m.rss100k - m.rss10k)})` : '-'} |` +
      (r.errors ? ` ERRORS ${r.errors}` : ''),
  )
}
out.push('', `Each row is the round with the median req/s of its case (column "round"); the budgets below are medians of the per-round ratios.`)

// The budgets of issue 21, as ratios from this run: each pair is compared within a round (the two
// cases ran back to back), then the median over the rounds is taken, with every round shown.
const mark = (good: boolean) => (good ? 'ok' : 'MISSED')
const list = (xs: number[], d: number) => xs.map((x) => (Number.isFinite(x) ? x.toFixed(d) : '-')).join(', ')
const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`
out.push('', 'Budgets (issue 21), from this run (median of the rounds; each round in brackets):')
for (const workers of WORKERS) {
  for (const relay of RELAYS) {
    const pair = (a: string, b: string, minRatio: number, maxUs: number) => {
      const x = samples.get(`${a}/${workers}/${relay}`)
      const y = samples.get(`${b}/${workers}/${relay}`)
      if (!x || !y) return
      const n = Math.min(x.length, y.length)
      const ratios: number[] = []
      const extras: number[] = []
      for (let i = 0; i < n; i++) {
        ratios.push(x[i]!.rps / y[i]!.rps)
        extras.push(x[i]!.workerUs - y[i]!.workerUs)
      }
      const ratio = median(ratios)
      const extra = median(extras)
      out.push(
        `- ${workers} worker(s), ${relay}: ${a} ÷ ${b} = ${ratio.toFixed(2)} [${list(ratios, 2)}]${minRatio > 0 ? ` (goal ≥ ${minRatio}: ${mark(ratio >= minRatio)})` : ''}; ` +
          `worker CPU ${a} − ${b} = ${signed(extra)} µs/req [${extras.map(signed).join(', ')}]` +
          (Number.isFinite(maxUs) ? ` (goal ≤ +${maxUs}: ${mark(extra <= maxUs)})` : ''),
      )
    }
    pair('nullpost', 'null', 0, Infinity)
    pair('loop', 'null', 0, Infinity)
    pair('fetch', 'null', 0.9, 10)
    pair('moonlight', 'fetch', 0.85, 25)
    // Like for like: the same POST, body and answer, by a bare fetch handler (rr's own cost of a
    // POST with a body and a bigger answer is in both).
    pair('moonlight', 'fetchpost', 0.85, 25)
    pair('dfping', 'moonlight', 0.9, Infinity)
  }
}
for (const relay of RELAYS) {
  const runs = (id: string) => boots.get(id + '/' + relay) ?? []
  const b = (id: string) => median(runs(id))
  if (Number.isFinite(b('fetch')) && Number.isFinite(b('null'))) {
    // Boot runs are interleaved case by case: compare run i of fetch with run i of null.
    const ratios = runs('fetch').map((f, i) => f / runs('null')[i]!)
    const r = median(ratios)
    out.push(
      `- boot, ${relay}: fetch ÷ null = ${r.toFixed(2)} [${list(ratios, 2)}] (goal ≤ 1.2: ${mark(r <= 1.2)}); ` +
        `median fetch ${fmt(b('fetch'))} ms, null ${fmt(b('null'))} ms (ratio of the medians ${(b('fetch') / b('null')).toFixed(2)})`,
    )
  }
  if (Number.isFinite(b('moonlight'))) out.push(`- boot, ${relay}: moonlight ${fmt(b('moonlight'))} ms (goal ≤ 150 ms: ${mark(b('moonlight') <= 150)})`)
  for (const [id, m] of memory) {
    if (!id.endsWith('/' + relay)) continue
    const d = (m.rss100k - m.rss10k) / 1e6
    out.push(`- memory, ${id}: RSS 100k − 10k = ${d >= 0 ? '+' : ''}${d.toFixed(1)} MB (goal ≤ 5 MB: ${mark(Math.abs(d) <= 5)})`)
  }
}
process.stdout.write(out.join('\n') + '\n')
