/**
 * An unchanged Hono app behind the real rr (test/fixtures/http/hono-worker.ts): request mapping,
 * bodies, uploads, big bodies both ways, streaming and client abort, errors, early hints.
 */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { curl, pattern, startHttpStack, type HttpStack } from './harness.js'

let s: HttpStack

beforeAll(async () => {
  s = await startHttpStack('hono-worker.ts', { http: { max_request_size: 64 } })
})
afterAll(async () => {
  await s?.stop()
})

const echo = async (init: RequestInit & { path?: string } = {}) => {
  const res = await fetch(`${s.base}${init.path ?? '/echo'}`, init)
  expect(res.status).toBe(200)
  return (await res.json()) as Record<string, any>
}

describe('Hono app behind rr', () => {
  it('maps every method, the absolute URL, query arrays and the client address', async () => {
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      const e = await echo({ method, path: '/echo?a=1&a=2&tag[]=x&tag[]=y&empty=' })
      expect(e.method).toBe(method)
      expect(e.url).toBe(`${s.base}/echo?a=1&a=2&tag[]=x&tag[]=y&empty=`)
      expect(e.query).toEqual({ a: ['1', '2'], 'tag[]': ['x', 'y'], empty: [''] })
      expect(e.remoteAddr).toBe('127.0.0.1')
      expect(e.protocol).toBe('HTTP/1.1')
      expect(e.isRequest).toBe(true)
    }
    const head = await fetch(`${s.base}/echo`, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
  })

  it('keeps every value of a repeated request header and restores Host', async () => {
    const out = await curl([`${s.base}/echo`, '-H', 'X-Multi: one', '-H', 'X-Multi: two', '-H', 'Accept: text/a', '-H', 'Accept: text/b'])
    const e = JSON.parse(out)
    expect(e.multi).toEqual(['one', 'two'])
    expect(e.headers['x-multi']).toBe('one, two')
    expect(e.headers.accept).toBe('text/a, text/b')
    expect(e.headers.host).toBe(`127.0.0.1:${s.port}`)
  })

  it('reads cookies (rr unescapes them) and sends several Set-Cookie headers', async () => {
    const e = JSON.parse(await curl([`${s.base}/echo`, '-b', 'session=abc123; theme=dark%20mode']))
    expect(e.ctxCookies).toEqual({ session: 'abc123', theme: 'dark mode' })
    expect(e.cookies.session).toBe('abc123')
    const res = await fetch(`${s.base}/cookies`)
    expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=two%20words; Path=/; HttpOnly'])
  })

  it('passes JSON bodies through and answers with the handler status', async () => {
    const res = await fetch(`${s.base}/json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Zoë', tags: ['a', 'b'] }),
    })
    expect(res.status).toBe(201)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(JSON.stringify({ got: { name: 'Zoë', tags: ['a', 'b'] } }))))
    expect(res.headers.get('transfer-encoding')).toBeNull()
    expect(await res.json()).toEqual({ got: { name: 'Zoë', tags: ['a', 'b'] } })
  })

  it('exposes a form rr parsed as ctx.form and as request.formData()', async () => {
    const res = await fetch(`${s.base}/form`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'title=Hello+world&tags[]=x&tags[]=y&user[name]=Ann',
    })
    const out = (await res.json()) as { form: unknown; entries: [string, string][] }
    expect(out.form).toEqual({ title: 'Hello world', tags: ['x', 'y'], user: { name: 'Ann' } })
    // rr's tree is a Go map marshalled to JSON: fields come back in key order.
    expect(out.entries).toEqual([
      ['tags[]', 'x'],
      ['tags[]', 'y'],
      ['title', 'Hello world'],
      ['user[name]', 'Ann'],
    ])
  })

  it('gives two 10 MB uploads as File objects with name, type, size and the exact bytes', async () => {
    const a = pattern(0, 10 * 1024 * 1024)
    const b = pattern(7, 10 * 1024 * 1024)
    const fd = new FormData()
    fd.append('note', 'two files')
    fd.append('docs[]', new File([a], 'a.bin', { type: 'application/octet-stream' }))
    // A client filename with a path: rr keeps only the base name; the worker never uses it as a path.
    fd.append('docs[]', new File([b], '../../etc/passwd', { type: 'text/plain' }))
    const res = await fetch(`${s.base}/upload`, { method: 'POST', body: fd })
    expect(res.status).toBe(200)
    const out = (await res.json()) as { docs: { name: string; type: string; size: number; sha256: string }[] }
    const sha = (x: Buffer) => createHash('sha256').update(x).digest('hex')
    expect(out.docs).toEqual([
      { name: 'a.bin', type: 'application/octet-stream', size: a.length, sha256: sha(a) },
      { name: 'passwd', type: 'text/plain', size: b.length, sha256: sha(b) },
    ])
    // The same upload through request.formData(): fields and files together.
    const fd2 = new FormData()
    fd2.append('note', 'hi')
    fd2.append('file', new File([a.subarray(0, 1000)], 'small.bin'))
    const form = (await (await fetch(`${s.base}/form`, { method: 'POST', body: fd2 })).json()) as { entries: [string, string][] }
    expect(form.entries).toEqual([
      ['note', 'hi'],
      ['file', `file:small.bin:1000:${sha(a.subarray(0, 1000))}`],
    ])
  })

  it('takes a 50 MB request body (max_request_size: 64) and hands it out as a stream of views', async () => {
    const body = pattern(3, 50 * 1024 * 1024)
    const res = await fetch(`${s.base}/digest`, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } })
    expect(res.status).toBe(200)
    const out = (await res.json()) as { length: number; chunks: number; sha256: string }
    expect(out.length).toBe(body.length)
    expect(out.sha256).toBe(createHash('sha256').update(body).digest('hex'))
    expect(out.chunks).toBe(Math.ceil(body.length / (64 * 1024)))
  })

  it('streams a 100 MB response and the bytes arrive intact', async () => {
    const res = await fetch(`${s.base}/stream?mb=100`)
    expect(res.status).toBe(200)
    const want = createHash('sha256')
    const got = createHash('sha256')
    let n = 0
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      got.update(chunk)
      want.update(pattern(n, chunk.length))
      n += chunk.length
    }
    expect(n).toBe(100 * 1024 * 1024)
    expect(got.digest('hex')).toBe(want.digest('hex'))
  })

  it('streams bodies from an async iterable and from a Blob', async () => {
    expect(await (await fetch(`${s.base}/iterable`)).text()).toBe('part 0\npart 1\npart 2\n')
    const blob = await fetch(`${s.base}/blob`)
    expect(blob.headers.get('content-type')).toBe('text/x-blob')
    expect(await blob.text()).toBe('blob body')
  })

  it('cancels the stream when the client goes away and serves the next request on the same pid', async () => {
    const pid = await (await fetch(`${s.base}/pid`)).text()
    const ac = new AbortController()
    const res = await fetch(`${s.base}/endless`, { signal: ac.signal })
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const reader = res.body!.getReader()
    let text = ''
    while (!text.includes('tick 3')) text += new TextDecoder().decode((await reader.read()).value)
    expect(text).toContain('data: tick 0')
    ac.abort()
    let state = ''
    for (let i = 0; i < 100 && state !== 'cancelled'; i++) {
      await new Promise((r) => setTimeout(r, 100))
      state = await (await fetch(`${s.base}/cancelled`)).text()
    }
    expect(state).toBe('cancelled')
    expect(await (await fetch(`${s.base}/pid`)).text()).toBe(pid)
  })

  it('answers 500 when the handler throws, logs it, and the same worker serves the next request', async () => {
    const pid = await (await fetch(`${s.base}/pid`)).text()
    const res = await fetch(`${s.base}/throw`)
    expect(res.status).toBe(500)
    expect(await res.text()).toBe('Internal Server Error\n')
    await s.rr.waitForOutput(/GET http:\/\/127\.0\.0\.1:\d+\/throw failed: Error: boom from the handler/)
    expect(await (await fetch(`${s.base}/pid`)).text()).toBe(pid)
  })

  it('refuses header values with CR/LF: 500, nothing injected, a clear log line', async () => {
    const raw = await curl([`${s.base}/bad-header`, '-i'])
    expect(raw).toMatch(/^HTTP\/1\.1 500/)
    expect(raw).not.toMatch(/X-Injected/i)
    const hints = await curl([`${s.base}/early-hints-bad`, '-i'])
    expect(hints).toMatch(/^HTTP\/1\.1 500/)
    expect(hints).not.toMatch(/X-Evil/i)
    await s.rr.waitForOutput(/invalid value for response header link: .* contains CR or LF/)
  })

  it('sends 103 Early Hints before the response', async () => {
    const raw = await curl([`${s.base}/early-hints`, '-i'])
    expect(raw).toMatch(/^HTTP\/1\.1 103 Early Hints\r\nLink: <\/style\.css>; rel=preload; as=style\r\n/)
    expect(raw).toMatch(/\r\n\r\nHTTP\/1\.1 200 OK\r\n/)
    expect(raw.endsWith('after hints')).toBe(true)
  })

  it('sends a header named in Trailer as an HTTP trailer', async () => {
    const raw = await curl([`${s.base}/trailer`, '-i', '--raw'])
    const [head, body] = [raw.slice(0, raw.indexOf('\r\n\r\n')), raw.slice(raw.indexOf('\r\n\r\n') + 4)]
    // rr drops the Trailer header and sends the listed headers after the body (Go's TrailerPrefix).
    expect(head).not.toMatch(/\r\nX-Checksum:/)
    expect(body).toMatch(/with trailer\r\n0\r\nX-Checksum: abc123\r\n\r\n$/)
  })

  it('sends no body for 204 and 304', async () => {
    for (const code of [204, 304]) {
      const res = await fetch(`${s.base}/status/${code}`)
      expect(res.status).toBe(code)
      expect(await res.text()).toBe('')
    }
  })
})
