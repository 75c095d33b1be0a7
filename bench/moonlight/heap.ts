/**
 * Is Moonlight's RSS growth under the ladder a leak? Live heap (after two forced GCs) after 10k, 100k
 * and 200k in-process Moonlight requests (bench.ping over rr's lazy Request), on the same objects the
 * rr adapter builds. A leak shows as heap growing with the request count.
 *   node --expose-gc --import tsx bench/moonlight/heap.ts
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequest } from '../../src/http/request.js'
import { installLightResponse, keptBody } from '../../src/http/light-response.js'
import { createApp, response, Service } from '../../src/moonlight/index.js'
installLightResponse()
const root = mkdtempSync(join(tmpdir(), 'pionia-heap-'))
mkdirSync(join(root, 'environment'))
writeFileSync(join(root, 'environment', 'settings.ini'), '[server]\nHTTP_STATUS = standard\n')
process.chdir(root)
class BenchService extends Service { async pingAction() { return response(0, 'OK', { ok: true }) } }
const moon = createApp({ root, switches: { v1: { bench: BenchService } } })
const body = Buffer.from('{"service":"bench","action":"ping"}')
const post: any = { remote_addr: '127.0.0.1', protocol: 'HTTP/1.1', method: 'POST', uri: 'http://127.0.0.1:8080/api/v1/', header: { 'Content-Type': ['application/json'], 'Content-Length': [String(body.length)] }, cookies: {}, raw_query: '', parsed: false, uploads: new Uint8Array(0), attributes: {} }
const run = async (n: number) => { for (let i = 0; i < n; i++) { const r = await moon.fetch(createRequest(post, body)); keptBody(r) ?? await r.text() } }
const heap = () => { (globalThis as any).gc(); (globalThis as any).gc(); return process.memoryUsage().heapUsed / 1e6 }
await run(10000); const a = heap()
await run(90000); const b = heap()
await run(100000); const c = heap()
console.log({ after10k: a.toFixed(1), after100k: b.toFixed(1), after200k: c.toFixed(1) })
