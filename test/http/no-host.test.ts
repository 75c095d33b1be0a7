/**
 * HTTP/1.0 without a Host header, and HTTP/1.1 with an empty `Host:`, through the real rr + DeskFlow:
 * rr hands the worker `http:///api/v1/`; the worker puts in the listen address, so the call routes
 * instead of answering 404: PIONIA_HTTP_ADDRESS (which `pionia runserver` sets), else under a bare
 * `rr serve` rr's own http.address read once over rr's RPC (rpc.Config), else `localhost` (no RPC).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from 'node:net'
import { startDeskflow, type DeskflowStack } from '../reliability/stack.js'
import { startHttpStack, type HttpStack } from './harness.js'
import { freePort } from '../helpers/rr.js'

function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(request))
    let out = ''
    s.on('data', (d) => (out += d.toString()))
    s.on('end', () => resolve(out))
    s.on('error', reject)
    s.setTimeout(20_000, () => s.destroy(new Error('timeout')))
  })
}

const body = '{"service":"task","action":"list"}'
const requests = {
  'HTTP/1.0 without Host': `POST /api/v1/ HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
  'HTTP/1.1 with an empty Host': `POST /api/v1/ HTTP/1.1\r\nHost:\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
  'GET ping over HTTP/1.0 without Host': 'GET /api/v1/ping HTTP/1.0\r\n\r\n',
}

for (const withAddress of [true, false]) {
  describe(`requests without a host (${withAddress ? 'PIONIA_HTTP_ADDRESS set, as runserver does' : 'no PIONIA_HTTP_ADDRESS'})`, () => {
    let stack: DeskflowStack
    beforeAll(async () => {
      stack = await startDeskflow({ workers: 1, rrEnv: withAddress ? { PIONIA_HTTP_ADDRESS: '127.0.0.1:8000' } : {} })
    })
    afterAll(async () => {
      await stack?.stop()
    })

    for (const [name, request] of Object.entries(requests)) {
      it(`${name}: routed (200), not 404`, async () => {
        const reply = await raw(stack.port, request)
        expect(reply).toMatch(/^HTTP\/1\.[01] 200 /)
        expect(reply).toContain('"returnCode":0')
      })
    }
  })
}

/** The URL a fetch handler sees for a host-less request, through the real rr (bare `rr serve`). */
async function urlSeen(port: number, request: string): Promise<string> {
  const reply = await raw(port, request)
  expect(reply).toMatch(/^HTTP\/1\.[01] 200 /)
  return (JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)) as { url: string }).url
}

const echoRequests = ['GET /echo?x=1 HTTP/1.0\r\n\r\n', 'GET /echo?x=1 HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n']

describe('the URL of a host-less request under a bare rr serve', () => {
  describe('rr with an rpc section', () => {
    let stack: HttpStack
    beforeAll(async () => {
      const rpcPort = await freePort()
      stack = await startHttpStack('request-echo-worker.ts', { config: { rpc: { listen: `tcp://127.0.0.1:${rpcPort}` } } })
    })
    afterAll(async () => {
      await stack?.stop()
    })

    it('gets the address rr listens on (http.address, asked over rr\'s RPC), not localhost', async () => {
      for (const request of echoRequests) {
        expect(await urlSeen(stack.port, request)).toBe(`http://127.0.0.1:${stack.port}/echo?x=1`)
      }
      // A request that names its host keeps it.
      const named = await raw(stack.port, 'GET /echo HTTP/1.0\r\nHost: example.test:81\r\n\r\n')
      expect(JSON.parse(named.slice(named.indexOf('\r\n\r\n') + 4)).url).toBe('http://example.test:81/echo')
    })
  })

  describe('PIONIA_HTTP_ADDRESS set (as runserver does) wins, no RPC needed', () => {
    let stack: HttpStack
    beforeAll(async () => {
      stack = await startHttpStack('request-echo-worker.ts', { env: { PIONIA_HTTP_ADDRESS: '127.0.0.9:8123' } })
    })
    afterAll(async () => {
      await stack?.stop()
    })

    it('uses it', async () => {
      expect(await urlSeen(stack.port, echoRequests[0]!)).toBe('http://127.0.0.9:8123/echo?x=1')
    })
  })

  describe('rr without an rpc section', () => {
    let stack: HttpStack
    beforeAll(async () => {
      stack = await startHttpStack('request-echo-worker.ts')
    })
    afterAll(async () => {
      await stack?.stop()
    })

    it('falls back to localhost (rr passes workers no listen address)', async () => {
      expect(await urlSeen(stack.port, echoRequests[0]!)).toBe('http://localhost/echo?x=1')
    })
  })
})
