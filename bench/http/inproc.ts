/**
 * The SDK's per-request JavaScript cost, in one process and without syscalls: a StreamRelay over a
 * PassThrough (input) and a Writable that drops the bytes (output), driven one request at a time
 * with the bytes rr sends for `GET /`. CPU per request from process.cpuUsage. The driver's own
 * cost is in every figure alike: compare cases within one run.
 *
 *   node bench/http/inproc.js ...   (compiled: node --import tsx is slower and noisier)
 *   node --import tsx bench/http/inproc.ts [--requests=200000] [--rounds=5] [--dist=<dir with dist/src>] [--headers=browser]
 *
 * Cases: loop (runWorker answering pre-encoded bytes), fetch (serveHttp + Response.json),
 * fetchpost (the ladder's bare fetch handler doing bench.ping's job), moonlight (the ladder's
 * one-action app: POST /api/v1/ {"service":"bench","action":"ping"}).
 * Each case and round runs in a fresh child process.
 */
import { spawnSync } from 'node:child_process'
import { Writable, PassThrough } from 'node:stream'
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { resolve } from 'node:path'

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '5' },
    dist: { type: 'string', multiple: true, default: [] },
    cases: { type: 'string', default: 'loop,fetch' },
    child: { type: 'string' },
    /** `browser`: the POST carries the dozen headers a browser's fetch sends, not only Content-Type. */
    headers: { type: 'string', default: 'min' },
  },
})

const N = Number(values.requests)

/** What a browser's fetch() of the API sends (rr passes every header but Host in the map). */
const BROWSER: Record<string, string[]> = {
  'Content-Type': ['application/json'],
  'Content-Length': ['35'],
  'User-Agent': ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36'],
  Accept: ['application/json, text/plain, */*'],
  'Accept-Language': ['en-GB,en;q=0.9'],
  'Accept-Encoding': ['gzip, deflate, br'],
  Referer: ['http://localhost:5173/board'],
  'Sec-Fetch-Mode': ['cors'],
  'Sec-Fetch-Site': ['same-site'],
  Connection: ['keep-alive'],
  Authorization: ['Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc'],
}

async function child(kase: string, dist: string): Promise<void> {
  const src = (p: string): string => pathToFileURL(resolve(dist, 'dist/src', p)).href
  const goridge = await import(src('goridge/index.js'))
  const relayMod = await import(src('relay/index.js'))
  const workerMod = await import(src('worker/index.js'))
  const codec = await import(src('http/codec.js'))
  const http = await import(src('http/index.js'))
  const post = kase === 'moonlight' || kase === 'fetchpost'
  const context = post
    ? codec.encodeRequestContext({ remote_addr: '127.0.0.1', protocol: 'HTTP/1.1', method: 'POST', uri: 'http://127.0.0.1:8080/api/v1/', header: values.headers === 'browser' ? BROWSER : { 'Content-Type': ['application/json'] } })
    : codec.encodeRequestContext({ remote_addr: '127.0.0.1', protocol: 'HTTP/1.1', method: 'GET', uri: 'http://127.0.0.1:8080/', header: {} })
  const reqBody = post ? Buffer.from('{"service":"bench","action":"ping"}') : Buffer.alloc(0)
  const request: Buffer = goridge.encodeFrame({ flags: goridge.FLAG_CODEC_PROTO, options: [context.length], payload: [context, reqBody] })
  const input = new PassThrough()
  let onAnswer: (() => void) | null = null
  const output = new Writable({
    write(_chunk, _enc, cb) {
      cb()
      onAnswer?.()
    },
  })
  const relay = new relayMod.StreamRelay('memory', input, output)
  const worker = new workerMod.Worker(relay, { pid: 1 })
  const body = Buffer.from('{"ok":true}')
  const loopAnswer = { codec: goridge.FLAG_CODEC_PROTO, context: codec.encodeResponseContext(200, [['content-type', 'application/json'], ['content-length', String(body.length)]]), body }
  const handler = { fetch: () => Response.json({ ok: true }) }
  if (kase === 'moonlight') {
    const ml = await import(src('moonlight/index.js'))
    class BenchService extends ml.Service {
      async pingAction() {
        return ml.response(0, 'OK', { ok: true })
      }
    }
    const app = ml.createApp({ switches: { v1: { bench: BenchService } } })
    http.installLightResponse()
    void workerMod.runWorker((p: unknown, w: unknown) => http.handleHttpPayload(app, p, w), { worker, exit: false })
  } else if (kase === 'fetchpost') {
    // bench/http/ladder/fetchpost.ts: bench.ping's job by a bare fetch handler
    const headers = {
      'Content-Type': 'application/json; charset=UTF-8',
      'Access-Control-Allow-Headers': '*',
      'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
      'Access-Control-Max-Age': '86400',
    }
    const byHand = {
      async fetch(request: Request) {
        const body = (await request.json()) as { service?: unknown; action?: unknown }
        if (body.service !== 'bench' || body.action !== 'ping') return new Response('{"returnCode":404}', { headers })
        return new Response(JSON.stringify({ returnCode: 0, returnMessage: 'OK', returnData: { ok: true }, extraData: null }), { headers })
      },
    }
    http.installLightResponse()
    void workerMod.runWorker((p: unknown, w: unknown) => http.handleHttpPayload(byHand, p, w), { worker, exit: false })
  } else if (kase === 'fetch') {
    http.installLightResponse()
    void workerMod.runWorker((p: unknown, w: unknown) => http.handleHttpPayload(handler, p, w), { worker, exit: false })
  } else {
    void workerMod.runWorker((_p: unknown, w: { respond(r: unknown): Promise<void> }) => w.respond(loopAnswer), { worker, exit: false })
  }
  const run = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      await new Promise<void>((r) => {
        onAnswer = r
        input.write(request)
      })
    }
  }
  await run(20000)
  const t = process.cpuUsage()
  await run(N)
  const d = process.cpuUsage(t)
  process.stdout.write(String(((d.user + d.system) / N).toFixed(3)))
  process.exit(0)
}

if (values.child) {
  await child(values.child, values.dist[0]!)
} else {
  const dists = values.dist.length ? values.dist : [process.cwd()]
  const cases = values.cases.split(',')
  const got = new Map<string, number[]>()
  const self = new URL(import.meta.url).pathname
  for (let r = 0; r < Number(values.rounds); r++) {
    for (const dist of dists) {
      for (const c of cases) {
        // RR_MODE as rr sets it for its workers (Moonlight then watches settings.ini instead of a stat per request)
        const out = spawnSync(process.execPath, [...process.execArgv, self, `--child=${c}`, `--dist=${dist}`, `--requests=${N}`, `--headers=${values.headers}`], { encoding: 'utf8', env: { ...process.env, RR_MODE: 'http' } })
        if (out.status !== 0) throw new Error(out.stderr)
        const key = `${c} ${dist}`
        got.set(key, [...(got.get(key) ?? []), Number(out.stdout)])
      }
    }
  }
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  process.stdout.write(`in-process CPU per request (relay over memory streams), ${N} requests, median of ${values.rounds}\n`)
  for (const [k, xs] of got) process.stdout.write(`${med(xs).toFixed(2).padStart(7)} µs  ${k}  [${xs.map((x) => x.toFixed(2)).join(', ')}]\n`)
}
