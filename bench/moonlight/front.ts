/**
 * Moonlight's own per-request cost, in process, on the request object the rr adapter builds
 * (src/http/request.ts createRequest: the lazy Request over rr's bytes), side by side in one run:
 *   fetch      a bare fetch handler answering Response.json({ ok: true })
 *   moonlight  createApp with one action bench.ping → response(0, 'OK', { ok: true })   (POST /api/v1/)
 *   dfping     DeskFlow's app (request id middleware, realtime page, auth), GET /api/v1/ping
 * Each answer's body is read to the end, as the adapter does. No rr, no pipe: only JS work. The
 * figure is this process's CPU time (user + system) per request, so load from other processes stays out.
 *   npm run build && node bench/moonlight/front.mjs   (or: node --import tsx bench/moonlight/front.ts)
 * Add --cpu-prof to node to see where the time goes (node --cpu-prof --import tsx bench/moonlight/front.ts).
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequest } from '../../src/http/request.js'
import { installLightResponse, keptBody } from '../../src/http/light-response.js'
import type { RequestContext } from '../../src/http/codec.js'
import { createApp, response, Service } from '../../src/moonlight/index.js'

installLightResponse() // as serveHttp does in a worker
const read = async (r: Response): Promise<unknown> => keptBody(r) ?? r.text() // what the adapter sends
const root = mkdtempSync(join(tmpdir(), 'pionia-front-'))
mkdirSync(join(root, 'environment'))
writeFileSync(join(root, 'environment', 'settings.ini'), '[server]\nHTTP_STATUS = standard\n')
process.chdir(root)

class BenchService extends Service {
  async pingAction() {
    return response(0, 'OK', { ok: true })
  }
}
const moon = createApp({ root, switches: { v1: { bench: BenchService } } })
const { createDeskflowApp } = await import('../../app/app.js')
const desk = createDeskflowApp({ root })

const body = Buffer.from('{"service":"bench","action":"ping"}')
const ctx = (method: string, uri: string, headers: Record<string, string[]>): RequestContext => ({
  remote_addr: '127.0.0.1', protocol: 'HTTP/1.1', method, uri, header: headers, cookies: {}, raw_query: '', parsed: false,
  uploads: new Uint8Array(0), attributes: {},
})
const post = ctx('POST', 'http://127.0.0.1:8080/api/v1/', { 'Content-Type': ['application/json'], 'Content-Length': [String(body.length)] })
const get = ctx('GET', 'http://127.0.0.1:8080/api/v1/ping', { Accept: ['*/*'] })
const bare = { fetch: async () => Response.json({ ok: true }) }

const cases: [string, () => Promise<unknown>][] = [
  ['fetch', async () => read(await bare.fetch())],
  ['moonlight', async () => read(await moon.fetch(createRequest(post, body)))],
  ['dfping', async () => read(await desk.fetch(createRequest(get, null)))],
]
const N = Number(process.env.N ?? 20000)
for (const [, fn] of cases) for (let i = 0; i < N / 4; i++) await fn()
const per = cases.map(() => [] as number[])
for (let r = 0; r < 7; r++) {
  for (let c = 0; c < cases.length; c++) {
    // CPU time of this process, not wall time: on the shared machine other processes' load stays out.
    const t0 = process.cpuUsage()
    for (let i = 0; i < N; i++) await cases[c]![1]()
    const t = process.cpuUsage(t0)
    per[c]!.push((t.user + t.system) / N)
  }
}
const med = per.map((xs) => xs.sort((a, b) => a - b)[3]!)
for (let c = 0; c < cases.length; c++) process.stdout.write(`${cases[c]![0].padEnd(10)} ${med[c]!.toFixed(1).padStart(7)} µs CPU/request (median of 7 rounds of ${N})\n`)
process.stdout.write(`moonlight − fetch = +${(med[1]! - med[0]!).toFixed(1)} µs; dfping − moonlight = ${(med[2]! - med[1]!).toFixed(1)} µs\n`)
await moon.close()
await desk.close()
