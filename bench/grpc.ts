/**
 * gRPC unary throughput: rr 2025.1.15 (grpc plugin) + a pionia serveGrpc() worker, against a plain
 * @grpc/grpc-js server running the same Echo handler. Both are called by the
 * same @grpc/grpc-js client, side by side in one run; prints calls/s and the ratio. The plain server
 * runs in its own process (bench/grpc-plain-server.ts), like the worker.
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
const plain = await plainServer()
const rows: Array<[number, number]> = []
try {
  for (let r = 0; r < Number(values.rounds); r++) {
    const a = await measure(`127.0.0.1:${port}`)
    const b = await measure(`127.0.0.1:${plain.port}`)
    rows.push([a, b])
    console.log(`round ${r + 1}: rr+pionia ${a.toFixed(0)} calls/s, plain @grpc/grpc-js ${b.toFixed(0)} calls/s, ratio ${(a / b).toFixed(2)}`)
  }
} finally {
  plain.stop()
  await rr.stop()
}
const med = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!
const a = med(rows.map((r) => r[0]))
const b = med(rows.map((r) => r[1]))
console.log(`\nunary Echo, ${CALLS} calls, concurrency ${CONC}, ${values.workers} worker(s)`)
console.log(`| rr + pionia | plain @grpc/grpc-js | ratio |\n|---|---|---|\n| ${a.toFixed(0)} calls/s | ${b.toFixed(0)} calls/s | ${(a / b).toFixed(2)}x |`)
