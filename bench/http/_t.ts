import { handleHttpPayload, installLightResponse, encodeRequestContext } from '../../src/http/index.js'
import { encodeFrame } from '../../src/goridge/index.js'
import { measure } from './measure.js'
const ctx = encodeRequestContext({ remote_addr: '127.0.0.1', protocol: 'HTTP/1.1', method: 'GET', uri: 'http://127.0.0.1:8080/', header: { 'User-Agent': ['autocannon'] } })
let frames = 0
const worker = { respond(r: any) { encodeFrame({ flags: r.codec, options: [r.context.length], payload: [r.context, ...(Array.isArray(r.body) ? r.body : [r.body])] }); frames++; return Promise.resolve() }, onStreamStop() { return () => {} } } as any
const payload = { context: ctx, body: Buffer.alloc(0), codec: 0x80 }
const handler = { fetch: () => new Response('Hello, World!') }
console.log('native', (await measure('x', () => handleHttpPayload(handler, payload, worker), { iterations: 20000 })).ns.toFixed(0))
installLightResponse()
console.log('light', (await measure('x', () => handleHttpPayload(handler, payload, worker), { iterations: 20000 })).ns.toFixed(0))
