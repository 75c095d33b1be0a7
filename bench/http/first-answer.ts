/**
 * A worker's start without rr: this process plays rr's side of the pipes relay (PID handshake, then
 * one `GET /` frame) and prints, per worker file, the wall time from spawn to the first answer and
 * the worker's own CPU time at that moment (utime+stime from /proc, 10 ms ticks). The worker files
 * run interleaved run by run; medians are printed. The CPU figure is the one to read on a busy
 * machine: it does not include time spent waiting for a core. Run by hand (`npm run build` first;
 * the ladder compiles dist/bench/http/ladder/*.js).
 *
 * --request='POST /api/v1/ {"service":"bench","action":"ping"}' sends that request instead of
 * `GET /` (the null and fetch workers answer anything). --bundle also starts, for every worker file,
 * an esbuild bundle of it (the repository's modules inlined, npm packages left as imports, dynamic
 * imports split into chunks), written to .bundle-<name>/ beside the file: the same code in fewer
 * ES modules. --node-arg passes a flag to every worker's node, e.g. `--node-arg=--cpu-prof
 * --node-arg=--cpu-prof-dir=/tmp/boot` for a profile of each start.
 *
 *   node --import tsx bench/http/first-answer.ts [--runs=7] [--bundle] [--request='METHOD /path body'] dist/bench/http/ladder/null.js dist/bench/http/ladder/fetch.js
 */
import { spawn } from 'node:child_process'
import { execFileSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { build } from 'esbuild'
import { encodeFrame, FrameDecoder, FLAG_CODEC_PROTO, FLAG_CONTROL, FLAG_CODEC_JSON } from '../../src/goridge/index.js'
import { decodeResponseContext, encodeRequestContext } from '../../src/http/codec.js'

const { values, positionals } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    bundle: { type: 'boolean', default: false },
    request: { type: 'string', default: 'GET /' },
    'node-arg': { type: 'string', multiple: true, default: [] },
  },
  allowPositionals: true,
})
if (positionals.length === 0) throw new Error('name the worker files to start, e.g. dist/bench/http/ladder/null.js dist/bench/http/ladder/fetch.js')
const TICK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100

const [method, path, ...rest] = values.request.split(' ')
const body = Buffer.from(rest.join(' '))
const header: Record<string, string[]> = { 'User-Agent': ['first-answer'] }
if (body.length) Object.assign(header, { 'Content-Type': ['application/json'], 'Content-Length': [String(body.length)] })
const context = encodeRequestContext({ remote_addr: '127.0.0.1', protocol: 'HTTP/1.1', method: method!, uri: `http://127.0.0.1:8080${path ?? '/'}`, header })
const request = encodeFrame({ flags: FLAG_CODEC_PROTO, options: [context.length], payload: body.length ? [context, body] : [context] })

/** The esbuild bundle of `file` (see --bundle), returned as the path of its entry. */
async function bundled(file: string): Promise<string> {
  const outdir = join(dirname(file), `.bundle-${basename(file, '.js')}`)
  rmSync(outdir, { recursive: true, force: true })
  await build({ entryPoints: [file], outdir, bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', logLevel: 'warning' })
  return join(outdir, basename(file))
}
const files = values.bundle ? (await Promise.all(positionals.map(async (f) => [f, await bundled(f)]))).flat() : positionals

function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const x = f.slice(f.lastIndexOf(')') + 2).split(' ')
  return ((Number(x[11]) + Number(x[12])) * 1000) / TICK
}

function once(file: string): Promise<{ wallMs: number; cpuMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(process.execPath, [...values['node-arg'], file], { env: { ...process.env, RR_RELAY: 'pipes', RR_MODE: 'http' }, stdio: ['pipe', 'pipe', 'inherit'] })
    const decoder = new FrameDecoder()
    child.once('exit', (code) => reject(new Error(`${file} exited with code ${code} before answering`)))
    child.stdout!.on('data', (d: Buffer) => {
      for (const f of decoder.push(d)) {
        if (f.flags & FLAG_CONTROL) {
          child.stdin!.write(request)
          continue
        }
        const wallMs = performance.now() - t0
        const cpu = cpuMs(child.pid!)
        const status = decodeResponseContext(f.payload.subarray(0, f.options[0])).status
        if (status !== 200) console.error(`${file}: the first answer is ${status}, not 200`)
        child.removeAllListeners('exit')
        child.once('exit', () => resolve({ wallMs, cpuMs: cpu }))
        child.stdin!.end()
      }
    })
    child.stdin!.write(encodeFrame({ flags: FLAG_CONTROL | FLAG_CODEC_JSON, payload: Buffer.from('{"pid":true}') }))
  })
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
const results = new Map<string, { wallMs: number; cpuMs: number }[]>(files.map((f) => [f, []]))
for (let i = 0; i < Number(values.runs); i++) for (const f of files) results.get(f)!.push(await once(f))
const base = files[0]!
for (const [f, rs] of results) {
  const wall = median(rs.map((r) => r.wallMs))
  const cpu = median(rs.map((r) => r.cpuMs))
  const ratio = f === base ? '' : `  CPU ÷ ${base}: ${(cpu / median(results.get(base)!.map((r) => r.cpuMs))).toFixed(2)}`
  console.log(`${f}: first answer ${wall.toFixed(0)} ms wall, ${cpu.toFixed(0)} ms worker CPU (medians of ${rs.length})${ratio}  [CPU ${rs.map((r) => r.cpuMs.toFixed(0)).join(', ')}]`)
}
