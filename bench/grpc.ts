/**
 * gRPC unary throughput, the ladder's gRPC row: rr 2025.1.15 (grpc plugin) + a pionia serveGrpc()
 * worker, against (a) a plain @grpc/grpc-js server running the same Echo handler and (b) the same
 * echo as an HTTP request through rr (http plugin) + a pionia http worker (bench/grpc-http-worker.ts,
 * JSON POST, Node's fetch as the client). Measured side by side, alternating, in one run; prints
 * calls/s and the ratios. The plain server runs in its own process (bench/grpc-plain-server.ts),
 * like the workers; every case gets the same number of calls with the same concurrency.
 *
 *   node --import tsx bench/grpc.ts [--calls=4000] [--concurrency=16] [--workers=1] [--rounds=3]
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { freePort, nodeCommand, startRr } from '../test/helpers/rr.js'
import { client, PROTO_DIR } from '../test/grpc/client.js'

const { values } = parseArgs({ options: { calls: { type: 'string', default: '4000' }, concurrency: { type: 'string', default: '16' }, workers: { type: 'string', default: '1' }, rounds: { type: 'string', default: '3' } } })
const CALLS = Number(values.calls)
const CONC = Number(values.concurrency)

async function measure(address: string): Promise<number> {
  const c = client(address)
  await c.call('Echo', { text: 'warm' })
  for (let i = 0; i < 200; i++) await c.call('Echo', { text: 'warm' })
  let next = 0
  const t = process.hrtime.bigint()
  await Promise.all(Array.from({ length: CONC }, async () => {
    while (next++ < CALLS) await c.call('Echo', { text: 'hello', n: '42' })
  }))
  const s = Number(process.hrtime.bigint() - t) / 1e9
  c.close()
  return CALLS / s
}

/** The same echo over HTTP through rr + pionia: POST JSON, keep-alive connections (undici's pool). */
async function measureHttp(url: string): Promise<number> {
  const post = async (text: string) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text, n: '42' }) })
    if (res.status !== 200) throw new Error(`http echo answered ${res.status}: ${await res.text()}`)
    await res.json()
  }
  for (let i = 0; i < 201; i++) await post('warm')
  let next = 0
  const t = process.hrtime.bigint()
  await Promise.all(Array.from({ length: CONC }, async () => {
    while (next++ < CALLS) await post('hello')
  }))
  return CALLS / (Number(process.hrtime.bigint() - t) / 1e9)
}

/** The baseline runs in its own process, as rr's worker does, so neither shares the client's CPU. */
function plainServer(): Promise<{ port: number; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/grpc-plain-server.ts'], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`plain server exited with ${code}`)))
    child.stdout!.once('data', (d: Buffer) => resolve({ port: Number(d.toString().trim()), stop: () => child.kill('SIGTERM') }))
  })
}

const port = await freePort()
const rr = await startRr({
  config: {
    server: { command: nodeCommand('test/grpc/fixtures/worker.ts'), relay: 'pipes' },
    grpc: { listen: `tcp://127.0.0.1:${port}`, proto: [join(PROTO_DIR, 'echo.proto')], pool: { num_workers: Number(values.workers) } },
    logs: { level: 'error' },
  },
  waitForPort: port,
})
const httpPort = await freePort()
const rrHttp = await startRr({
  config: {
    server: { command: nodeCommand('bench/grpc-http-worker.ts'), relay: 'pipes' },
    http: { address: `127.0.0.1:${httpPort}`, pool: { num_workers: Number(values.workers) } },
    logs: { level: 'error' },
  },
  waitForPort: httpPort,
})
const plain = await plainServer()
const rows: Array<[number, number, number]> = []
try {
  for (let r = 0; r < Number(values.rounds); r++) {
    const a = await measure(`127.0.0.1:${port}`)
    const b = await measure(`127.0.0.1:${plain.port}`)
    const h = await measureHttp(`http://127.0.0.1:${httpPort}/echo`)
    rows.push([a, b, h])
    console.log(
      `round ${r + 1}: gRPC rr+pionia ${a.toFixed(0)} calls/s, plain @grpc/grpc-js ${b.toFixed(0)} calls/s (ratio ${(a / b).toFixed(2)}), ` +
        `HTTP rr+pionia ${h.toFixed(0)} req/s (gRPC/HTTP ${(a / h).toFixed(2)})`,
    )
  }
} finally {
  plain.stop()
  await rr.stop()
  await rrHttp.stop()
}
const med = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!
const a = med(rows.map((r) => r[0]))
const b = med(rows.map((r) => r[1]))
const h = med(rows.map((r) => r[2]))
const ratios = (i: number, j: number) => med(rows.map((r) => r[i]! / r[j]!)).toFixed(2)
console.log(`\nunary Echo, ${CALLS} calls, concurrency ${CONC}, ${values.workers} worker(s), medians of ${rows.length} rounds`)
console.log(
  `| gRPC rr + pionia | plain @grpc/grpc-js | HTTP rr + pionia (same echo) | gRPC ÷ plain | gRPC ÷ HTTP |\n|---|---|---|---|---|\n` +
    `| ${a.toFixed(0)} calls/s | ${b.toFixed(0)} calls/s | ${h.toFixed(0)} req/s | ${ratios(0, 1)}x | ${ratios(0, 2)}x |`,
)
