/**
 * HTTP/1.0 without a Host header, and HTTP/1.1 with an empty `Host:`, through the real rr + DeskFlow:
 * rr hands the worker `http:///api/v1/`; the worker puts in the listen address (PIONIA_HTTP_ADDRESS,
 * which `pionia runserver` sets) or `localhost`, so the call routes instead of answering 404.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from 'node:net'
import { startDeskflow, type DeskflowStack } from '../reliability/stack.js'

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
