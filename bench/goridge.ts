/**
 * Frame codec and RPC throughput: pionia vs the Go goridge (v3.8.3, the library rr itself uses),
 * measured side by side in one run on this machine.
 *
 *   node --import tsx bench/goridge.ts
 *
 * Frames: encode + decode in memory (header, one option, CRC, payload), 1 KiB and 64 KiB payloads.
 * RPC: `rpc.Version` round trips against one real rr, sequential (1 connection) and 8 in flight.
 */
import { performance } from 'node:perf_hooks'
import { execFileSync } from 'node:child_process'
import { FrameDecoder, encodeFrame, FLAG_CODEC_PROTO } from '../src/goridge/index.js'
import { RpcClient, rrVersion } from '../src/rpc/index.js'
import { goProgram } from '../test/helpers/go.js'
import { freePort, nodeCommand, startRr } from '../test/helpers/rr.js'

const goBench = goProgram('goridge', 'bench/go')

function tsFrames(size: number, n: number): number {
  const payload = Buffer.alloc(size, 'x')
  const decoder = new FrameDecoder()
  const out: ReturnType<FrameDecoder['push']> = []
  let sink = 0
  const t0 = performance.now()
  for (let i = 0; i < n; i++) {
    const wire = encodeFrame({ flags: FLAG_CODEC_PROTO, options: [16], payload })
    decoder.push(wire, out)
    const f = out.pop()!
    sink += f.payload.length + f.options[0]!
  }
  const el = (performance.now() - t0) / 1000
  if (sink === 0) throw new Error('unreachable')
  return n / el
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

const rows: string[] = []
for (const [size, n] of [
  [1024, 1_000_000],
  [65536, 100_000],
] as const) {
  tsFrames(size, n / 10) // warm-up
  const ts = tsFrames(size, n)
  const go = Number(execFileSync(goBench, ['frames', String(size), String(n)], { encoding: 'utf8' }))
  rows.push(`| frames encode+decode, ${size / 1024} KiB payload | ${fmt(ts)} ops/s | ${fmt(go)} ops/s | ${(ts / go).toFixed(2)}x |`)
}

const rpcPort = await freePort()
const rr = await startRr({
  config: {
    rpc: { listen: `tcp://127.0.0.1:${rpcPort}` },
    server: { command: nodeCommand('test/fixtures/workers/protocol-worker.ts') },
    http: { address: `127.0.0.1:${await freePort()}`, pool: { num_workers: 1 } },
    logs: { level: 'error' },
  },
  waitForPort: rpcPort,
})
try {
  const addr = `tcp://127.0.0.1:${rpcPort}`
  for (const conc of [1, 8]) {
    const calls = 40_000
    const clients = Array.from({ length: conc }, () => new RpcClient(addr))
    await Promise.all(clients.map((c) => rrVersion(c)))
    const t0 = performance.now()
    await Promise.all(
      clients.map(async (c) => {
        for (let i = 0; i < calls / conc; i++) await rrVersion(c)
      }),
    )
    const ts = calls / ((performance.now() - t0) / 1000)
    await Promise.all(clients.map((c) => c.close()))
    const go = Number(execFileSync(goBench, ['rpc', addr, String(calls), String(conc)], { encoding: 'utf8' }))
    rows.push(`| RPC rpc.Version round trips, ${conc} connection${conc > 1 ? 's' : ''} | ${fmt(ts)} calls/s | ${fmt(go)} calls/s | ${(ts / go).toFixed(2)}x |`)
  }
} finally {
  await rr.stop()
}

process.stdout.write(`| measure | pionia (Node ${process.version}) | Go goridge v3.8.3 | ratio |\n|---|---|---|---|\n${rows.join('\n')}\n`)
