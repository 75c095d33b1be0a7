/**
 * HTTP benchmark, all lines in one run on this machine, same worker count for each:
 *   A   rr + pionia worker, hello handler (`serveHttp({ fetch })`, light Response on)
 *   A2  the same through a Hono app
 *   A3  the same with the native undici Response (`lightResponse: false`)
 *   B   rr + a null worker answering one pre-encoded frame (rr's own ceiling)
 *   B2  rr + the foundation's worker loop answering a pre-encoded context (cost of the loop)
 *   C   node:http cluster, no rr
 * Load: autocannon over loopback (connections, duration below). Prints req/s, p50, p99 and the
 * ratios A/B and A/C; then the worker's RSS after 10,000 and after 100,000 requests.
 *
 *   node --import tsx bench/http/run.ts [--workers 1] [--duration 10] [--connections 50] [--rounds 2] [--memory]
 */
import { execFileSync, spawn } from 'node:child_process'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { freePort, nodeCommand, startRr, type RrInstance } from '../../test/helpers/rr.js'
import { cpuSeconds } from './proc.js'

const { values: opts } = parseArgs({
  options: {
    workers: { type: 'string', default: '1' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '2' },
    memory: { type: 'boolean', default: false },
    only: { type: 'string' },
  },
})
const WORKERS = Number(opts.workers)
const DURATION = Number(opts.duration)
const CONNECTIONS = Number(opts.connections)
const ROUNDS = Number(opts.rounds)

/** A started line: how to stop it, and the pids whose CPU time counts as "server" and "worker". */
interface Running {
  stop(): Promise<void>
  /** rr itself (empty for C). */
  server: number[]
  /** Worker processes (C: the cluster workers). */
  workers: number[]
}

interface Line {
  id: string
  label: string
  start(port: number): Promise<Running>
}

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

async function rrWith(port: number, worker: string, env: Record<string, string> = {}, nodeFlags: string[] = []): Promise<Running> {
  const [node, ...args] = nodeCommand(`bench/http/workers/${worker}`)
  const rr: RrInstance = await startRr({
    config: {
      server: { command: [node!, ...nodeFlags, ...args], env },
      http: { address: `127.0.0.1:${port}`, middleware: [], pool: { num_workers: WORKERS } },
      logs: { level: 'error' },
    },
    waitForUrl: `http://127.0.0.1:${port}/`,
  })
  const server = [rr.process.pid!]
  return { stop: async () => void (await rr.stop()), server, workers: childrenOf(server[0]!) }
}

const lines: Line[] = [
  { id: 'A', label: 'rr + pionia worker (fetch handler)', start: (p) => rrWith(p, 'hello.ts') },
  { id: 'A2', label: 'rr + pionia worker (Hono app)', start: (p) => rrWith(p, 'hello.ts', { BENCH_VARIANT: 'hono' }) },
  { id: 'A3', label: 'rr + pionia worker (native Response)', start: (p) => rrWith(p, 'hello.ts', { BENCH_VARIANT: 'native' }) },
  { id: 'B', label: 'rr + null worker (pre-encoded frame)', start: (p) => rrWith(p, 'null.ts') },
  { id: 'B2', label: 'rr + runWorker loop, pre-encoded answer', start: (p) => rrWith(p, 'null-loop.ts') },
  {
    id: 'C',
    label: `node:http cluster, no rr`,
    async start(port) {
      const child = spawn(nodeCommand('bench/http/workers/node-cluster.ts')[0]!, nodeCommand('bench/http/workers/node-cluster.ts').slice(1), {
        env: { ...process.env, BENCH_PORT: String(port), BENCH_WORKERS: String(WORKERS) },
        stdio: 'inherit',
      })
      for (;;) {
        try {
          await fetch(`http://127.0.0.1:${port}/`)
          break
        } catch {
          await new Promise((r) => setTimeout(r, 100))
        }
      }
      return {
        server: [],
        workers: childrenOf(child.pid!),
        stop: async () => {
          child.kill('SIGTERM')
          await new Promise((r) => child.once('exit', r))
        },
      }
    },
  },
]

interface Result {
  rps: number
  p50: number
  p99: number
  errors: number
  /** CPU µs per request spent in rr / in the worker processes. */
  serverUs: number
  workerUs: number
}

async function load(url: string, duration: number, running?: Running): Promise<Result> {
  const s0 = running ? cpuSeconds(running.server) : 0
  const w0 = running ? cpuSeconds(running.workers) : 0
  const r = await autocannon({ url, connections: CONNECTIONS, duration })
  const n = r.requests.total || 1
  const serverUs = running ? ((cpuSeconds(running.server) - s0) * 1e6) / n : 0
  const workerUs = running ? ((cpuSeconds(running.workers) - w0) * 1e6) / n : 0
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx, serverUs, workerUs }
}

const results = new Map<string, Result[]>()
const selected = opts.only ? lines.filter((l) => opts.only!.split(',').includes(l.id)) : lines
process.stderr.write(
  `HTTP benchmark: node ${process.version}, ${WORKERS} worker(s), autocannon -c ${CONNECTIONS} -d ${DURATION}, ${ROUNDS} round(s), lines interleaved\n`,
)
for (let round = 0; round < ROUNDS; round++) {
  for (const line of selected) {
    const port = await freePort()
    const running = await line.start(port)
    await load(`http://127.0.0.1:${port}/`, 2) // warm-up (JIT, connections)
    const r = await load(`http://127.0.0.1:${port}/`, DURATION, running)
    await running.stop()
    results.set(line.id, [...(results.get(line.id) ?? []), r])
    process.stderr.write(
      `  round ${round + 1} ${line.id.padEnd(3)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  CPU/req: rr ${r.serverUs.toFixed(1)} µs, worker ${r.workerUs.toFixed(1)} µs${r.errors ? `  ERRORS ${r.errors}` : ''}\n`,
    )
  }
}

// Median over rounds per line.
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const table = selected.map((l) => {
  const rs = results.get(l.id)!
  return {
    ...l,
    rps: median(rs.map((r) => r.rps)),
    p50: median(rs.map((r) => r.p50)),
    p99: median(rs.map((r) => r.p99)),
    serverUs: median(rs.map((r) => r.serverUs)),
    workerUs: median(rs.map((r) => r.workerUs)),
  }
})
const out: string[] = [
  '',
  '| line | setup | req/s | p50 ms | p99 ms | rr CPU µs/req | worker CPU µs/req |',
  '|---|---|---:|---:|---:|---:|---:|',
]
for (const t of table) {
  out.push(`| ${t.id} | ${t.label} | ${t.rps.toFixed(0)} | ${t.p50} | ${t.p99} | ${t.id === 'C' ? '-' : t.serverUs.toFixed(1)} | ${t.workerUs.toFixed(1)} |`)
}
const get = (id: string) => table.find((t) => t.id === id)
const A = get('A')
for (const [id, name] of [['B', 'A/B'], ['C', 'A/C']] as const) {
  const other = get(id)
  if (A && other) out.push(`\n${name} = ${(A.rps / other.rps).toFixed(2)}`)
}
for (const id of ['A2', 'A3', 'B2']) {
  const x = get(id)
  const B = get('B')
  if (x && B) out.push(`${id}/B = ${(x.rps / B.rps).toFixed(2)}`)
}
// Share of the per-request CPU budget (rr + worker) that the SDK adds over the null worker: the
// figure that decides throughput once the cores are saturated, and that other load on the machine
// does not distort the way it distorts req/s.
const B = get('B')
for (const id of ['A', 'A2', 'A3', 'B2']) {
  const x = get(id)
  if (x && B) {
    const budget = (B.serverUs + B.workerUs) / (x.serverUs + x.workerUs)
    out.push(`CPU budget ${id} vs B: (rr+worker per request) B/${id} = ${budget.toFixed(2)}; SDK adds ${(x.workerUs - B.workerUs).toFixed(1)} µs/request`)
  }
}
process.stdout.write(out.join('\n') + '\n')

if (opts.memory) {
  const port = await freePort()
  const { stop } = await rrWith(port, 'hello.ts', {}, ['--expose-gc'])
  const memory = async () => (await (await fetch(`http://127.0.0.1:${port}/rss`)).text()).split(' ').map(Number) as [number, number]
  const run = (amount: number) => autocannon({ url: `http://127.0.0.1:${port}/`, connections: CONNECTIONS, amount })
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`
  await run(10_000)
  const [rss10, heap10] = await memory()
  await run(90_000)
  const [rss100, heap100] = await memory()
  await stop()
  process.stdout.write(
    `\nworker memory after a GC (--expose-gc): after 10,000 requests RSS ${mib(rss10)}, heap ${mib(heap10)}; ` +
      `after 100,000 RSS ${mib(rss100)}, heap ${mib(heap100)}; difference RSS ${mib(rss100 - rss10)}, heap ${mib(heap100 - heap10)}\n`,
  )
}
