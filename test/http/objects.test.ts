/**
 * The objects a handler sees: the lazy Request (headers, body methods, body stream, formData,
 * delegation to the native Request), the light Response (Response semantics without the stream
 * cost), and the node:http adapter through its fetch() side.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createRequest, fromNodeListener, LightResponse, installLightResponse, uninstallLightResponse } from '../../src/http/index.js'
import { keptBody } from '../../src/http/light-response.js'
import { BODY_CHUNK } from '../../src/http/request.js'
import type { RequestContext } from '../../src/http/codec.js'
import { RrHttpContext } from '../../src/http/context.js'

function ctx(over: Partial<RequestContext> = {}): RequestContext {
  return {
    remote_addr: '127.0.0.1',
    protocol: 'HTTP/1.1',
    method: 'POST',
    uri: 'http://example.test:8080/p/a?x=1',
    header: { 'Content-Type': ['application/json'], Accept: ['a/b', 'c/d'] },
    cookies: {},
    raw_query: 'x=1',
    parsed: false,
    uploads: new Uint8Array(0),
    attributes: {},
    ...over,
  }
}

afterEach(() => uninstallLightResponse())

describe('Request built from rr context', () => {
  it('is a Request with method, absolute url, every header value and Host from the URL', () => {
    const r = createRequest(ctx(), Buffer.from('{}'))
    expect(r).toBeInstanceOf(Request)
    expect(r.method).toBe('POST')
    expect(r.url).toBe('http://example.test:8080/p/a?x=1')
    expect(r.headers.get('host')).toBe('example.test:8080')
    expect(r.headers.get('accept')).toBe('a/b, c/d')
    expect(Object.prototype.toString.call(r)).toBe('[object Request]')
    // Properties only the native Request has still work.
    expect(r.cache).toBe('default')
    expect(r.clone().url).toBe(r.url)
  })

  it('reads the body once through text/json/arrayBuffer, then refuses a second read', async () => {
    const r = createRequest(ctx(), Buffer.from('\ufeff{"a":[1,"é"]}'))
    expect(r.bodyUsed).toBe(false)
    expect(await r.json()).toEqual({ a: [1, 'é'] })
    expect(r.bodyUsed).toBe(true)
    await expect(r.text()).rejects.toThrow(/already been read/)
    const b = createRequest(ctx(), Buffer.from('xyz'))
    const ab = await b.arrayBuffer()
    expect(Buffer.from(ab).toString()).toBe('xyz')
  })

  it('hands a large body out as a stream of 64 KiB views', async () => {
    const big = Buffer.alloc(BODY_CHUNK * 3 + 10, 7)
    const r = createRequest(ctx(), big)
    const sizes: number[] = []
    for await (const c of r.body as unknown as AsyncIterable<Uint8Array>) sizes.push(c.length)
    expect(sizes).toEqual([BODY_CHUNK, BODY_CHUNK, BODY_CHUNK, 10])
    expect(r.bodyUsed).toBe(true)
  })

  it('can be handed to native code that takes a Request (new Request(req), fetch(req) for proxying)', async () => {
    const a = createRequest(ctx(), Buffer.from('payload-a'))
    const copy = new Request(a)
    expect([copy.method, copy.url, copy.headers.get('accept')]).toEqual(['POST', 'http://example.test:8080/p/a?x=1', 'a/b, c/d'])
    expect(await copy.text()).toBe('payload-a')
    const b = createRequest(ctx(), Buffer.from('payload-b'))
    const moved = new Request('http://upstream.test/x', b)
    expect(moved.method).toBe('POST')
    expect(await moved.text()).toBe('payload-b')
    expect(b.bodyUsed).toBe(true)
  })

  it('has no body for GET and HEAD', async () => {
    const r = createRequest(ctx({ method: 'GET' }), Buffer.from('ignored'))
    expect(r.body).toBeNull()
    expect(await r.text()).toBe('')
  })

  it('parses a raw urlencoded body with formData() (http.raw_body: true)', async () => {
    const r = createRequest(ctx({ header: { 'Content-Type': ['application/x-www-form-urlencoded'] } }), Buffer.from('a=1&a=2&b=x+y'))
    const fd = await r.formData()
    expect(fd.getAll('a')).toEqual(['1', '2'])
    expect(fd.get('b')).toBe('x y')
  })

  it('clone() leaves both copies readable, with their own headers, and refuses once the body was read', async () => {
    const r = createRequest(ctx(), Buffer.from('{"a":1}'))
    r.headers.set('x-trace', 'orig')
    const c = r.clone()
    expect(c).toBeInstanceOf(Request)
    c.headers.set('x-trace', 'copy')
    expect(r.headers.get('x-trace')).toBe('orig')
    expect(await c.json()).toEqual({ a: 1 })
    expect(await r.text()).toBe('{"a":1}')
    expect(() => r.clone()).toThrow(/Body is unusable: clone\(\) was called after the request body was read/)
    // A native Request built first (r.cache) holds the body: the clone and the original still read it.
    const n = createRequest(ctx(), Buffer.from('n-body'))
    expect(n.cache).toBe('default')
    const nc = n.clone()
    expect([await n.text(), await nc.text()]).toEqual(['n-body', 'n-body'])
    await expect(n.text()).rejects.toThrow(TypeError)
    expect(n.bodyUsed).toBe(true)
  })

  it('refuses a second read after a native Request was built from a read body', async () => {
    const r = createRequest(ctx(), Buffer.from('once'))
    expect(await r.text()).toBe('once')
    expect(r.cache).toBe('default')
    expect(r.bodyUsed).toBe(true)
    await expect(r.text()).rejects.toThrow(/already been read/)
  })

  it('clone() of a form rr parsed: formData(), text() and json() work on both copies', async () => {
    const raw = ctx({ parsed: true, header: { 'Content-Type': ['application/x-www-form-urlencoded'] } })
    const tree = Buffer.from('{"a":["1","2"],"b":{"c":"x"}}')
    const make = () => {
      const links = new RrHttpContext(raw, tree)
      return createRequest(raw, tree, links)
    }
    const r = make()
    const c = r.clone()
    const fields = async (q: Request) => [...(await q.formData()).entries()]
    const want = [['a[]', '1'], ['a[]', '2'], ['b[c]', 'x']]
    expect(await fields(r)).toEqual(want)
    expect(await fields(c)).toEqual(want)
    await expect(r.formData()).rejects.toThrow(/Body is unusable/)
    const t = make()
    const tc = t.clone()
    expect(await t.json()).toEqual({ a: ['1', '2'], b: { c: 'x' } })
    expect(await tc.text()).toBe(tree.toString())
    // Built native first (a property only the native Request has), then cloned and read as a form.
    const n = make()
    expect(n.mode).toBe('cors')
    const nc = n.clone()
    expect(await fields(nc)).toEqual(want)
    expect(await fields(n)).toEqual(want)
    await expect(n.formData()).rejects.toThrow(TypeError)
  })
})

describe('LightResponse', () => {
  it('behaves as a Response: instanceof, status, headers, body methods, clone', async () => {
    installLightResponse()
    const r = new Response('hi', { status: 201, statusText: 'Made', headers: { 'x-a': '1' } })
    expect(r).toBeInstanceOf(LightResponse)
    expect(r).toBeInstanceOf(Response)
    expect(r.ok).toBe(true)
    expect(r.status).toBe(201)
    expect(r.statusText).toBe('Made')
    expect(r.headers.get('content-type')).toBe('text/plain;charset=UTF-8')
    const c = r.clone()
    expect(await c.text()).toBe('hi')
    expect(await r.text()).toBe('hi')
    expect(r.bodyUsed).toBe(true)
    // A native response (from fetch, say) is still a Response.
    const native = (await import('../../src/http/light-response.js')).NativeResponse
    expect(new native('x')).toBeInstanceOf(Response)
    expect(await Response.json({ a: 1 }).json()).toEqual({ a: 1 })
  })

  it('keeps body and headers for the writer until something needs the native object', () => {
    installLightResponse()
    const r = new Response('body')
    expect(keptBody(r)).toEqual({ body: 'body', status: 200, headers: undefined })
    r.headers.set('x-late', 'yes') // middleware adds headers after construction
    expect(keptBody(r)!.headers!.get('x-late')).toBe('yes')
    void r.body // materialises it
    expect(keptBody(r)).toBeUndefined()
    expect(r.headers.get('x-late')).toBe('yes')
  })

  it('refuses what the native Response refuses', () => {
    expect(() => new LightResponse('x', { status: 99 })).toThrow(RangeError)
    expect(() => new LightResponse('x', { status: 204 })).toThrow(/cannot have a body/)
    expect(() => new LightResponse('x', { headers: { 'x-bad': 'a\r\nb' } })).toThrow(TypeError)
  })
})

describe('fromNodeListener', () => {
  it('runs a node:http listener: headers, status, several Set-Cookie, body, streamed writes', async () => {
    const handler = fromNodeListener((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c))
      req.on('end', () => {
        res.statusCode = 202
        res.setHeader('set-cookie', ['a=1', 'b=2'])
        res.setHeader('content-type', 'text/plain')
        res.write(`${req.method} ${req.url} host=${req.headers.host} len=${req.headers['content-length']} `)
        res.end(`body=${body}`)
      })
    })
    const res = await handler.fetch(new Request('http://h.test/x?y=1', { method: 'PUT', body: 'hello' }))
    expect(res.status).toBe(202)
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2'])
    expect(await res.text()).toBe('PUT /x?y=1 host=h.test len=5 body=hello')
  })

  it('refuses a header value with CR/LF before anything is sent', async () => {
    const handler = fromNodeListener((_req, res) => {
      try {
        res.setHeader('x-bad', 'a\r\nInjected: 1')
        res.end('unreachable')
      } catch (err) {
        res.statusCode = 500
        res.end((err as { code: string }).code)
      }
    })
    const res = await handler.fetch(new Request('http://h.test/'))
    expect(res.status).toBe(500)
    expect(await res.text()).toBe('ERR_INVALID_CHAR')
  })
})
