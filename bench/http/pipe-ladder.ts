/**
 * Worker CPU per request for compiled worker files, without rr: this process plays rr's side of
 * the pipes relay (PID handshake, then one request frame at a time, as rr sends them, with wrk's
 * `GET /` headers) and reads each worker's CPU time from /proc. Rounds are interleaved file by
 * file, so load from elsewhere hits every file alike; compare files within one run. Quicker and
 * steadier than the ladder for a change in the worker's own path (rr's CPU is not in it).
 *
 *   npm run build && node --import tsx bench/http/ladder.ts --cases=null --rounds=0 --no-memory --no-boot
 *   node --import tsx bench/http/pipe-ladder.ts [--requests=40000] [--rounds=5] [--inflight=1] \
 *     dist/bench/http/ladder/null.js dist/bench/http/ladder/loop.js dist/bench/http/ladder/fetch.js /tmp/before/...
 *
 * (the ladder run compiles its workers into dist/bench/http/ladder/). PIPE_LADDER_NODE_FLAGS=--perf-basic-prof
 * starts the workers with that flag, for `perf record -g -p <worker pid>`. Prints every round and the
 * median per file, and each file's median difference to the first file.
 */
import { execFileSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { encodeFrame, FrameDecoder, FLAG_CODEC_PROTO, FLAG_CONTROL, FLAG_CODEC_JSON } from '../../src/goridge/index.js'
import { encodeRequestContext } from '../../src/http/codec.js'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    requests: { type: 'string', default: '40000' },
    rounds: { type: 'string', default: '5' },
    inflight: { type: 'string', default: '1' },
  },
})
const N = Number(values.requests)
const INFLIGHT = Number(values.inflight)
const TICK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
const cpu = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const x = f.slice(f.lastIndexOf(')') + 2).split(' ')
  return (Number(x[11]) + Number(x[12])) / TICK
}

const context = encodeRequestContext({
  remote_addr: '127.0.0.1',
  protocol: 'HTTP/1.1',
  method: 'GET',
  uri: 'http://127.0.0.1:8080/',
  header: {},
})
const request = encodeFrame({ flags: FLAG_CODEC_PROTO, options: [context.length], payload: [context] })

async function measure(file: string): Promise<number> {
  const child = spawn(process.execPath, [...(process.env.PIPE_LADDER_NODE_FLAGS ?? '').split(' ').filter(Boolean), file], { env: { ...process.env, RR_RELAY: 'pipes', RR_MODE: 'http' }, stdio: ['pipe', 'pipe', 'inherit'] })
  const decoder = new FrameDecoder()
  let waiting: (() => void) | null = null
  let answered = 0
  child.stdout!.on('data', (d: Buffer) => {
    for (const f of decoder.push(d)) {
      if (f.flags & FLAG_CONTROL) answered = -1
      else answered++
    }
    waiting?.()
  })
  const next = (): Promise<void> => new Promise<void>((r) => (waiting = r))
  child.stdin!.write(encodeFrame({ flags: FLAG_CONTROL | FLAG_CODEC_JSON, payload: Buffer.from('{"pid":true}') }))
  while (answered !== -1) await next()
  const run = async (n: number): Promise<void> => {
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
  child.stdin!.end()
  await new Promise((r) => child.once('exit', r))
  return us
}

const got = new Map<string, number[]>()
for (let r = 0; r < Number(values.rounds); r++) {
  for (const file of positionals) {
    const us = await measure(file)
    got.set(file, [...(got.get(file) ?? []), us])
    process.stderr.write(`  round ${r + 1} ${file} ${us.toFixed(1)} µs\n`)
  }
}
const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const base = med(got.get(positionals[0]!)!)
process.stdout.write(`\nworker CPU per request over the pipes relay, ${INFLIGHT} in flight, ${N} requests, median of ${values.rounds} rounds\n`)
for (const file of positionals) {
  const m = med(got.get(file)!)
  process.stdout.write(`${m.toFixed(1).padStart(7)} µs  ${(m - base >= 0 ? '+' : '') + (m - base).toFixed(1)}  ${file}  [${got.get(file)!.map((x) => x.toFixed(1)).join(', ')}]\n`)
}
