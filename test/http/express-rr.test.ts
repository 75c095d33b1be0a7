/**
 * An Express 5 app behind the real rr through fromNodeListener (test/fixtures/http/express-worker.ts):
 * routing, JSON and form bodies, headers, status, streaming res.write, pipe backpressure, client
 * abort, refused headers, errors.
 */
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { curl, pattern, startHttpStack, type HttpStack } from './harness.js'

let s: HttpStack

beforeAll(async () => {
  s = await startHttpStack('express-worker.ts')
})
afterAll(async () => {
  await s?.stop()
})

describe('Express app behind rr', () => {
  it('routes, reads params, query, headers, client address and host', async () => {
    const out = await curl([`${s.base}/users/42?sort=name&tags[]=a&tags[]=b`, '-A', 'test-agent', '-H', 'X-Multi: 1', '-H', 'X-Multi: 2', '-i'])
    expect(out).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
    expect(out).toMatch(/\r\nX-Route: users\r\n/)
    const body = JSON.parse(out.slice(out.indexOf('\r\n\r\n') + 4))
    expect(body).toEqual({
      id: '42',
      // Express 5's default query parser is node:querystring: brackets stay in the key.
      q: { sort: 'name', 'tags[]': ['a', 'b'] },
      ua: 'test-agent',
      multi: '1, 2',
      ip: '127.0.0.1',
      protocol: 'http',
      host: '127.0.0.1',
      url: '/users/42?sort=name&tags[]=a&tags[]=b',
    })
  })

  it('parses a JSON body and answers with its status and several Set-Cookie headers', async () => {
    const res = await fetch(`${s.base}/json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"x":[1,2]}' })
    expect(res.status).toBe(201)
    expect(await res.json()).toEqual({ got: { x: [1, 2] } })
    expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/; HttpOnly'])
  })

  it('gives express.urlencoded() the form rr parsed', async () => {
    const res = await fetch(`${s.base}/form`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=Ann+Lee&tags[]=x&tags[]=y&addr[city]=Oslo',
    })
    expect(await res.json()).toEqual({ name: 'Ann Lee', tags: ['x', 'y'], addr: { city: 'Oslo' } })
  })

  it('re-encodes a multipart form rr parsed, files included, for multipart parsers', async () => {
    const file = pattern(5, 300 * 1024)
    const fd = new FormData()
    fd.append('title', 'report')
    fd.append('doc', new File([file], 'report.bin', { type: 'application/octet-stream' }))
    const res = await fetch(`${s.base}/multipart`, { method: 'POST', body: fd })
    const out = (await res.json()) as { length: number; contentLength: number; entries: [string, string][] }
    expect(out.contentLength).toBe(out.length)
    expect(out.entries).toEqual([
      ['title', 'report'],
      ['doc', `file:report.bin:${file.length}:${createHash('sha256').update(file).digest('hex')}`],
    ])
  })

  it('serves a file with res.sendFile (headers, length, conditional GET)', async () => {
    const res = await fetch(`${s.base}/file`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    const body = await res.text()
    expect(body).toBe('static file body\n'.repeat(1000))
    expect(res.headers.get('content-length')).toBe(String(body.length))
    // curl, not fetch: fetch adds Cache-Control: no-cache to a conditional request, which `send` honours.
    const again = await curl([`${s.base}/file`, '-i', '-H', `If-None-Match: ${res.headers.get('etag')}`])
    expect(again).toMatch(/^HTTP\/1\.1 304 Not Modified\r\n/)
  })

  it('sends the status of res.sendStatus', async () => {
    const res = await fetch(`${s.base}/status/418`)
    expect(res.status).toBe(418)
    expect(await res.text()).toBe("I'm a Teapot")
  })

  it('streams res.write chunks as they are written', async () => {
    const res = await fetch(`${s.base}/stream`)
    const reader = res.body!.getReader()
    // The handler holds the rest back until we have seen the first chunk: it must arrive on its own.
    const first = new TextDecoder().decode((await reader.read()).value)
    expect(first).toBe('chunk 0\n')
    writeFileSync(join(s.markDir, 'gate'), '')
    let rest = ''
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value)
    expect(first + rest).toBe('chunk 0\nchunk 1\ndone\n')
  })

  it('pipes a 20 MB Readable into res with backpressure, bytes intact', async () => {
    const res = await fetch(`${s.base}/pipe?mb=20`)
    const got = Buffer.from(await res.arrayBuffer())
    expect(got.length).toBe(20 * 1024 * 1024)
    expect(createHash('sha256').update(got).digest('hex')).toBe(createHash('sha256').update(pattern(0, got.length)).digest('hex'))
  })

  it("emits 'close' on req when the client goes away; the worker stays and serves", async () => {
    const pid = await (await fetch(`${s.base}/pid`)).text()
    const ac = new AbortController()
    const res = await fetch(`${s.base}/sse`, { signal: ac.signal })
    const reader = res.body!.getReader()
    let text = ''
    while (!text.includes('data: 3')) text += new TextDecoder().decode((await reader.read()).value)
    ac.abort()
    let state = ''
    for (let i = 0; i < 100 && state !== 'closed'; i++) {
      await new Promise((r) => setTimeout(r, 100))
      state = await (await fetch(`${s.base}/sse-state`)).text()
    }
    expect(state).toBe('closed')
    expect(await (await fetch(`${s.base}/pid`)).text()).toBe(pid)
  })

  it('refuses a header value with CR/LF (node checks it) and nothing is injected', async () => {
    const raw = await curl([`${s.base}/bad-header`, '-i'])
    expect(raw).toMatch(/^HTTP\/1\.1 500/)
    expect(raw).not.toMatch(/X-Injected/i)
  })

  it("answers 500 from Express's error handler when a route throws, same pid after", async () => {
    const pid = await (await fetch(`${s.base}/pid`)).text()
    const res = await fetch(`${s.base}/throw`)
    expect(res.status).toBe(500)
    expect(await (await fetch(`${s.base}/pid`)).text()).toBe(pid)
  })

  it('answers 500 for a status rr cannot send (600): refused before anything went out', async () => {
    const res = await fetch(`${s.base}/bad-status`)
    expect(res.status).toBe(500)
  })

  it('ends the response when Express gives up on it after the headers went out, worker stays', async () => {
    const pid = await (await fetch(`${s.base}/pid`)).text()
    const res = await fetch(`${s.base}/partial-then-throw`)
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('partial')
    expect(await (await fetch(`${s.base}/pid`)).text()).toBe(pid)
  })

  it('sends res.writeEarlyHints as a 103', async () => {
    const raw = await curl([`${s.base}/hints`, '-i'])
    expect(raw).toMatch(/^HTTP\/1\.1 103 Early Hints\r\nLink: <\/app\.js>; rel=preload; as=script\r\n/)
    expect(raw.endsWith('hinted')).toBe(true)
  })
})
