/**
 * Moonlight and DeskFlow, measured side by side in one run:
 *   A. in-process: a hand-written fetch handler, Hono, and Moonlight answering the same POST with
 *      the same envelope (JSON body parsed, one validation rule), plus DeskFlow task.list on SQLite;
 *   B. over HTTP (autocannon, loopback): DeskFlow task.list served by `pionia serve` (one node:http
 *      process) and by the real rr with 2 workers running worker.ts.
 *   node --import tsx bench/moonlight.ts
 */
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import autocannon from 'autocannon'
import { Hono } from 'hono'
import { createApp, Service, response, type RequestData } from '../src/moonlight/index.js'
import { createDeskflowApp } from '../app/app.js'
import { runCli } from '../src/cli/main.js'
import { ROOT, freePort, startRr } from '../test/helpers/rr.js'
import { repoRrConfig, tempProject } from '../test/deskflow/project.js'
import { printRatio, type Timing } from './http/measure.js'

/**
 * Times several candidates in interleaved rounds (A B C A B C …) and keeps each one's median, so a
 * burst of load from elsewhere on the machine hits all of them alike.
 */
async function interleaved(cases: [string, () => Promise<unknown>][], iterations: number, rounds = 9): Promise<Timing[]> {
  for (const [, fn] of cases) for (let i = 0; i < iterations / 4; i++) await fn()
  const per = cases.map(() => [] as number[])
  for (let r = 0; r < rounds; r++) {
    for (let c = 0; c < cases.length; c++) {
      const fn = cases[c]![1]
      const t0 = process.hrtime.bigint()
      for (let i = 0; i < iterations; i++) await fn()
      per[c]!.push(Number(process.hrtime.bigint() - t0) / iterations)
    }
  }
  return cases.map(([name], c) => {
    const sorted = per[c]!.sort((a, b) => a - b)
    return { name, ns: sorted[Math.floor(sorted.length / 2)]! }
  })
}

const temp = tempProject({ env: { APP_NAME: 'bench' } })
const project = temp.root

const body = JSON.stringify({ service: 'echo', action: 'greet', name: 'Alex' })
const post = (): Request => new Request('http://127.0.0.1/api/v1/', { method: 'POST', headers: { 'content-type': 'application/json' }, body })

// --- A. in-process ---------------------------------------------------------------------------
const handWritten = {
  async fetch(req: Request): Promise<Response> {
    const data = (await req.json()) as { name?: string }
    if (typeof data.name !== 'string' || data.name.length < 2) return Response.json({ returnCode: 422, returnMessage: 'name is required', returnData: null, extraData: null }, { status: 422 })
    return new Response(JSON.stringify({ returnCode: 0, returnMessage: 'Hello', returnData: { name: data.name }, extraData: null }), {
      headers: { 'Content-Type': 'application/json; charset=UTF-8' },
    })
  },
}
const hono = new Hono()
hono.post('/api/v1/', async (c) => {
  const data = await c.req.json<{ name?: string }>()
  if (typeof data.name !== 'string' || data.name.length < 2) return c.json({ returnCode: 422, returnMessage: 'name is required', returnData: null, extraData: null }, 422)
  return c.json({ returnCode: 0, returnMessage: 'Hello', returnData: { name: data.name }, extraData: null })
})
class EchoService extends Service {
  static override actions = { greet: { rules: { name: 'required|string|min:2' } } }
  async greetAction(data: RequestData) {
    return response(0, 'Hello', { name: data.getString('name') })
  }
}
const moonlight = createApp({ root: project, switches: { v1: { echo: EchoService } } })
const deskflow = createDeskflowApp({ root: project })
const listBody = JSON.stringify({ service: 'task', action: 'list', status: 'open' })

process.stderr.write(`Moonlight in-process, node ${process.version}\n\n`)
const [tHand, tHono, tMoon, tList] = await interleaved([
  ['hand-written fetch handler', async () => (await handWritten.fetch(post())).text()],
  ['Hono 4 route', async () => (await hono.fetch(post())).text()],
  ['Moonlight dispatch (rule + envelope)', async () => (await moonlight.fetch(post())).text()],
  ['DeskFlow task.list (SQLite, 2 rows)', async () => (await deskflow.fetch(new Request('http://127.0.0.1/api/v1/', { method: 'POST', body: listBody }))).text()],
], 2_000)
printRatio(tMoon!, tHand!)
printRatio(tMoon!, tHono!)
printRatio(tList!, tMoon!)
await deskflow.close()

// --- B. over HTTP: pionia serve vs rr -----------------------------------------------------------
if (process.env.BENCH_HTTP === '0') {
  temp.cleanup()
  process.exit(0)
}
async function load(url: string): Promise<number> {
  const result = await autocannon({ url, method: 'POST', body: listBody, headers: { 'content-type': 'application/json' }, connections: 16, duration: 6 })
  if (result.non2xx || result.errors) throw new Error(`load run had ${result.non2xx} non-2xx answers and ${result.errors} errors`)
  return result.requests.average
}

const servePort = await freePort()
const controller = new AbortController()
const out = new PassThrough().resume()
const serveDone = runCli(['serve', '--port', String(servePort), '--no-reload', '--app', join(ROOT, 'app/app.ts')], {
  cwd: project, env: { ...process.env, PORT: '' }, stdout: out, stderr: out, signal: controller.signal,
})
for (let i = 0; i < 200; i++) {
  try {
    await fetch(`http://127.0.0.1:${servePort}/api/v1/ping`)
    break
  } catch {
    await new Promise((r) => setTimeout(r, 50))
  }
}
await load(`http://127.0.0.1:${servePort}/api/v1/`) // warm-up
const serveRps = await load(`http://127.0.0.1:${servePort}/api/v1/`)
controller.abort()
await serveDone

const { config, httpPort: rrPort } = await repoRrConfig()
delete config.jobs // HTTP only: the jobs pool would take a core's share for nothing
config.logs = { mode: 'production', level: 'error' }
const rr = await startRr({ config, cwd: project, waitForUrl: `http://127.0.0.1:${rrPort}/api/v1/ping` })
await load(`http://127.0.0.1:${rrPort}/api/v1/`)
const rrRps = await load(`http://127.0.0.1:${rrPort}/api/v1/`)
await rr.stop()

process.stderr.write(`DeskFlow task.list over HTTP (16 connections, 6 s, loopback)\n`)
process.stderr.write(`${'pionia serve (1 node:http process)'.padEnd(48)} ${serveRps.toFixed(0).padStart(7)} req/s\n`)
process.stderr.write(`${'rr 2025.1.15 + 2 Node workers'.padEnd(48)} ${rrRps.toFixed(0).padStart(7)} req/s\n`)
process.stderr.write(`${''.padEnd(48)} ratio rr/serve ${(rrRps / serveRps).toFixed(2)}x\n`)
temp.cleanup()
