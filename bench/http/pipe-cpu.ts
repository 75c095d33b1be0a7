/**
 * Worker CPU per request without rr in the way: this process plays rr's side of the pipes relay
 * (PID handshake, then request frames, `--inflight` of them queued in the pipe) for each worker
 * file and reads the worker's CPU time from /proc. Same request bytes as rr sends for `GET /`.
 * Lines: B null worker, B2 worker loop + pre-encoded answer, A hello fetch handler, A2 Hono,
 * A3 native Response.
 *   node --import tsx bench/http/pipe-cpu.ts [--requests 50000] [--rounds 3] [--inflight 8]
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { parseArgs } from 'node:util'
import { encodeFrame, FrameDecoder, FLAG_CODEC_PROTO, FLAG_CONTROL, FLAG_CODEC_JSON } from '../../src/goridge/index.js'
import { encodeRequestContext } from '../../src/http/codec.js'
import { nodeCommand } from '../../test/helpers/rr.js'

const { values } = parseArgs({
  options: { requests: { type: 'string', default: '50000' }, rounds: { type: 'string', default: '3' }, inflight: { type: 'string', default: '8' } },
})
const N = Number(values.requests)
// Frames queued in the pipe: the worker still answers one at a time (as with rr), but never sleeps
// between requests, so wake-up costs and scheduling noise stay out of the figure.
const INFLIGHT = Number(values.inflight)
const TICK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
const cpu = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const x = f.slice(f.lastIndexOf(')') + 2).split(' ')
  return (Number(x[11]) + Number(x[12])) / TICK
}

const context = encodeRequestContext({
  remote_addr: '127.0.0.1',
  protocol: 'HTTP/1.1',
  method: 'GET',
  uri: 'http://127.0.0.1:8080/',
  header: { 'User-Agent': ['autocannon'], Connection: ['keep-alive'] },
})
const request = encodeFrame({ flags: FLAG_CODEC_PROTO, options: [context.length], payload: [context] })

async function measure(file: string, env: Record<string, string> = {}): Promise<number> {
  const [cmd, ...args] = nodeCommand(`bench/http/workers/${file}`)
  const child = spawn(cmd!, args, { env: { ...process.env, ...env, RR_RELAY: 'pipes', RR_MODE: 'http' }, stdio: ['pipe', 'pipe', 'inherit'] })
  const decoder = new FrameDecoder()
  let waiting: (() => void) | null = null
  let answered = 0
  child.stdout!.on('data', (d: Buffer) => {
    for (const f of decoder.push(d)) {
      if (f.flags & FLAG_CONTROL) answered = -1
      else answered++
      waiting?.()
    }
  })
  const next = () => new Promise<void>((r) => (waiting = r))
  child.stdin!.write(encodeFrame({ flags: FLAG_CONTROL | FLAG_CODEC_JSON, payload: Buffer.from('{"pid":1}') }))
  while (answered !== -1) await next()
  const run = async (n: number) => {
    answered = 0
    let sent = 0
    for (; sent < Math.min(INFLIGHT, n); sent++) child.stdin!.write(request)
    while (answered < n) {
      await next()
      for (; sent < Math.min(answered + INFLIGHT, n); sent++) child.stdin!.write(request)
    }
  }
  await run(5000) // warm-up
  const c0 = cpu(child.pid!)
  await run(N)
  const us = ((cpu(child.pid!) - c0) * 1e6) / N
  child.stdin!.write(encodeFrame({ flags: FLAG_CONTROL | FLAG_CODEC_JSON, payload: Buffer.from('{"stop":true}') }))
  await new Promise((r) => child.once('exit', r))
  return us
}

const lines: [string, string, Record<string, string>][] = [
  ['B', 'null.ts', {}],
  ['B2', 'null-loop.ts', {}],
  ['A', 'hello.ts', {}],
  ['A2', 'hello.ts', { BENCH_VARIANT: 'hono' }],
  ['A3', 'hello.ts', { BENCH_VARIANT: 'native' }],
]
const got = new Map<string, number[]>()
for (let r = 0; r < Number(values.rounds); r++) {
  for (const [id, file, env] of lines) {
    const us = await measure(file, env)
    got.set(id, [...(got.get(id) ?? []), us])
    process.stderr.write(`  round ${r + 1} ${id.padEnd(3)} ${us.toFixed(1)} µs CPU/request\n`)
  }
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
process.stdout.write(`\nworker CPU per request over a pipe, ${INFLIGHT} queued, ${N} requests, median of ${values.rounds}\n`)
for (const [id] of lines) process.stdout.write(`${id.padEnd(3)} ${med(got.get(id)!).toFixed(1)} µs\n`)
