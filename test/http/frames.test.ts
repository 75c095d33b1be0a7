/**
 * The frames an HTTP worker writes, checked byte-level on an in-memory relay (the real-rr tests
 * check what clients see; these check what rr is sent): one frame for a complete body, STREAM
 * frames for a body that waits, STOP cancelling the source, HEAD/204 without body, early hints
 * order, 500 for a throwing handler or a header with CR/LF.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryRelayPair } from '../../src/relay/index.js'
import { Worker } from '../../src/worker/index.js'
import { FLAG_CODEC_JSON, FLAG_CODEC_PROTO, FLAG_ERROR, STREAM_BIT_STOP, STREAM_BIT_STREAM, type Frame } from '../../src/goridge/index.js'
import {
  decodeResponseContext,
  encodeRequestContext,
  handleHttpPayload,
  installLightResponse,
  uninstallLightResponse,
  type FetchHandler,
} from '../../src/http/index.js'
import type { StreamRelay } from '../../src/relay/relay.js'

interface Side {
  worker: Worker
  rr: StreamRelay
  frames: Frame[]
  next(): Promise<Frame>
}

function pair(): Side {
  const [workerSide, rrSide] = createMemoryRelayPair()
  const frames: Frame[] = []
  let wake: (() => void) | null = null
  rrSide.start({
    frame: (f) => {
      frames.push({ ...f, payload: Buffer.from(f.payload) })
      wake?.()
    },
    close: () => {},
  })
  const worker = new Worker(workerSide, { log: () => {} })
  return {
    worker,
    rr: rrSide,
    frames,
    async next() {
      while (frames.length === 0) await new Promise<void>((r) => (wake = r))
      return frames.shift()!
    },
  }
}

function payload(method: string, path: string, body = '') {
  return {
    context: encodeRequestContext({ method, uri: `http://test.local${path}`, protocol: 'HTTP/1.1', remote_addr: '10.1.2.3' }),
    body: Buffer.from(body),
    codec: FLAG_CODEC_PROTO,
  }
}

function parse(f: Frame) {
  const split = f.options[0]!
  return {
    flags: f.flags,
    stream: (f.byte10 & STREAM_BIT_STREAM) !== 0,
    options: f.options.length,
    ctx: split > 0 ? decodeResponseContext(f.payload.subarray(0, split)) : null,
    body: f.payload.subarray(split).toString(),
  }
}

afterEach(() => uninstallLightResponse())

describe('HTTP worker frames', () => {
  it('sends a complete body as one frame: flags exactly 0x80, one option, no STREAM bit', async () => {
    for (const light of [true, false]) {
      if (light) installLightResponse()
      else uninstallLightResponse()
      const s = pair()
      const handler: FetchHandler = { fetch: () => new Response('hello', { status: 201, headers: { 'x-a': '1' } }) }
      await handleHttpPayload(handler, payload('GET', '/'), s.worker)
      const f = parse(await s.next())
      expect(f).toEqual({
        flags: 0x80,
        stream: false,
        options: 1,
        // content-length added for a body complete in one frame (Go then skips chunked encoding)
        ctx: { status: 201, headers: { 'content-type': ['text/plain;charset=UTF-8'], 'x-a': ['1'], 'content-length': ['5'] } },
        body: 'hello',
      })
      expect(s.frames).toHaveLength(0)
    }
  })

  it('sends Response.json the same with the light and the native Response (status, content type, headers read or changed late)', async () => {
    for (const light of [true, false]) {
      if (light) installLightResponse()
      else uninstallLightResponse()
      const s = pair()
      const cases: Array<[() => Response, number, Record<string, string[]>]> = [
        [() => Response.json({ ok: true }), 200, { 'content-type': ['application/json'], 'content-length': ['11'] }],
        [() => Response.json({ ok: true }, { status: 422 }), 422, { 'content-type': ['application/json'], 'content-length': ['11'] }],
        [() => Response.json({ ok: true }, { headers: { 'content-type': 'application/problem+json' } }), 200, { 'content-type': ['application/problem+json'], 'content-length': ['11'] }],
        [
          () => {
            const r = Response.json({ ok: true })
            expect(r.headers.get('content-type')).toBe('application/json')
            r.headers.set('x-late', 'yes')
            return r
          },
          200,
          { 'content-type': ['application/json'], 'x-late': ['yes'], 'content-length': ['11'] },
        ],
      ]
      for (const [make, status, headers] of cases) {
        await handleHttpPayload({ fetch: make }, payload('GET', '/'), s.worker)
        expect(parse(await s.next())).toMatchObject({ ctx: { status, headers }, body: '{"ok":true}' })
      }
      const r = Response.json({ ok: true })
      expect(await r.clone().json()).toEqual({ ok: true })
      expect(r.headers.get('content-type')).toBe('application/json')
    }
  })

  it('keeps several Set-Cookie values apart in one header entry', async () => {
    installLightResponse()
    const s = pair()
    const headers = new Headers()
    headers.append('set-cookie', 'a=1; Path=/')
    headers.append('set-cookie', 'b=2, c=3')
    await handleHttpPayload({ fetch: () => new Response(null, { headers }) }, payload('GET', '/'), s.worker)
    expect(parse(await s.next()).ctx!.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2, c=3'])
  })

  it('streams a body that waits: headers and the ready bytes first, the rest in the final frame', async () => {
    const s = pair()
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const body = new ReadableStream<Uint8Array>({
      async start(c) {
        c.enqueue(new TextEncoder().encode('first '))
        await gate
        c.enqueue(new TextEncoder().encode('second'))
        c.close()
      },
    })
    const done = handleHttpPayload({ fetch: () => new Response(body) }, payload('GET', '/'), s.worker)
    const first = parse(await s.next())
    expect(first.stream).toBe(true)
    expect(first.ctx!.status).toBe(200)
    expect(first.body).toBe('first ')
    release()
    await done
    const rest = s.frames.map(parse)
    // 'second' and the end of the stream are ready together: they make the final frame.
    expect(rest.map((f) => [f.stream, f.ctx, f.body])).toEqual([[false, null, 'second']])
  })

  it('coalesces chunks that are ready at once into one frame', async () => {
    const s = pair()
    async function* parts() {
      for (let i = 0; i < 100; i++) yield `${i},`
    }
    await handleHttpPayload({ fetch: () => new Response(parts() as unknown as BodyInit) }, payload('GET', '/'), s.worker)
    const f = parse(await s.next())
    expect(f.stream).toBe(false)
    expect(f.body).toBe(Array.from({ length: 100 }, (_, i) => `${i},`).join(''))
  })

  it('on STOP cancels the source, sends the final frame, and the worker takes the next request', async () => {
    const s = pair()
    let cancelled = false
    let i = 0
    const body = new ReadableStream<Uint8Array>({
      async pull(c) {
        await new Promise((r) => setTimeout(r, 5))
        c.enqueue(new TextEncoder().encode(`tick ${i++}\n`))
      },
      cancel() {
        cancelled = true
      },
    })
    let signalAborted = false
    const done = handleHttpPayload(
      {
        fetch: (req) => {
          req.signal.addEventListener('abort', () => (signalAborted = true))
          return new Response(body)
        },
      },
      payload('GET', '/'),
      s.worker,
    )
    expect(parse(await s.next()).stream).toBe(true)
    await s.rr.send({ byte10: STREAM_BIT_STOP })
    await done
    expect(cancelled).toBe(true)
    expect(signalAborted).toBe(true)
    const last = parse(s.frames[s.frames.length - 1]!)
    expect(last.stream).toBe(false)
    expect(last.body).toBe('')
    s.frames.length = 0
    await handleHttpPayload({ fetch: () => new Response('again') }, payload('GET', '/'), s.worker)
    expect(parse(await s.next())).toMatchObject({ stream: false, body: 'again' })
  })

  it('on STOP does not wait for an async generator stuck in a step', async () => {
    const s = pair()
    let release!: () => void
    const stuck = new Promise<void>((r) => (release = r))
    let finished = false
    async function* body() {
      try {
        yield 'first\n'
        await stuck // the client goes away while the generator waits here
        yield 'never sent\n'
      } finally {
        finished = true
      }
    }
    const done = handleHttpPayload({ fetch: () => new Response(body() as unknown as BodyInit) }, payload('GET', '/'), s.worker)
    expect(parse(await s.next())).toMatchObject({ stream: true, body: 'first\n' })
    await s.rr.send({ byte10: STREAM_BIT_STOP })
    await done // resolves although the generator is still inside its step
    expect(finished).toBe(false)
    expect(parse(await s.next())).toMatchObject({ stream: false, body: '' })
    release()
    await new Promise((r) => setTimeout(r, 10))
    expect(finished).toBe(true) // return() ran once the step finished: its finally block cleaned up
  })

  it('drops the body for HEAD and for 204, cancelling a stream body', async () => {
    const s = pair()
    await handleHttpPayload({ fetch: () => new Response('not for HEAD') }, payload('HEAD', '/'), s.worker)
    expect(parse(await s.next())).toMatchObject({ stream: false, body: '', ctx: { status: 200 } })
    let cancelled = false
    const body = new ReadableStream({ cancel: () => void (cancelled = true) })
    await handleHttpPayload({ fetch: () => new Response(body, { status: 200 }) }, payload('HEAD', '/'), s.worker)
    expect(parse(await s.next()).body).toBe('')
    expect(cancelled).toBe(true)
    await handleHttpPayload({ fetch: () => new Response(null, { status: 204 }) }, payload('GET', '/'), s.worker)
    expect(parse(await s.next())).toMatchObject({ body: '', ctx: { status: 204 } })
  })

  it('sends 103 Early Hints as a STREAM frame before the response', async () => {
    const s = pair()
    await handleHttpPayload(
      {
        fetch: async (_req, ctx) => {
          await ctx.earlyHints({ link: '</a.css>; rel=preload' })
          return new Response('ok')
        },
      },
      payload('GET', '/'),
      s.worker,
    )
    const [hint, final] = [parse(await s.next()), parse(await s.next())]
    expect(hint).toMatchObject({ stream: true, body: '', ctx: { status: 103, headers: { link: ['</a.css>; rel=preload'] } } })
    expect(final).toMatchObject({ stream: false, body: 'ok', ctx: { status: 200 } })
  })

  it('answers 500 with a short body when the handler throws or sets a header with CR/LF, and logs why', async () => {
    const s = pair()
    const lines: string[] = []
    const write = process.stderr.write
    process.stderr.write = ((l: string) => lines.push(String(l)) > 0) as unknown as typeof process.stderr.write
    try {
      await handleHttpPayload({ fetch: () => Promise.reject(new Error('kaput')) }, payload('GET', '/x'), s.worker)
      await handleHttpPayload(
        { fetch: async (_r, ctx) => (await ctx.earlyHints([['link', 'a\r\nSet-Cookie: evil=1']]), new Response('no')) },
        payload('GET', '/y'),
        s.worker,
      )
      await handleHttpPayload({ fetch: () => 'not a response' as unknown as Response }, payload('GET', '/z'), s.worker)
    } finally {
      process.stderr.write = write
    }
    for (let i = 0; i < 3; i++) expect(parse(await s.next())).toMatchObject({ stream: false, ctx: { status: 500 }, body: 'Internal Server Error\n' })
    expect(lines.join('')).toMatch(/GET http:\/\/test\.local\/x failed: Error: kaput/)
    expect(lines.join('')).toMatch(/invalid value for response header link: "a\\r\\nSet-Cookie: evil=1" contains CR or LF/)
    expect(lines.join('')).toMatch(/returned \[object String\] instead of a Response/)
  })

  it('answers an unreadable request context with an error frame (rr: 500) and takes the next request', async () => {
    const s = pair()
    const write = process.stderr.write
    const lines: string[] = []
    process.stderr.write = ((l: string) => lines.push(String(l)) > 0) as unknown as typeof process.stderr.write
    try {
      const good = payload('GET', '/')
      await handleHttpPayload({ fetch: () => new Response('x') }, { ...good, context: good.context.subarray(0, good.context.length - 3) }, s.worker)
      await handleHttpPayload({ fetch: () => new Response('x') }, { ...good, codec: FLAG_CODEC_JSON }, s.worker)
    } finally {
      process.stderr.write = write
    }
    const truncated = await s.next()
    expect(truncated.flags).toBe(FLAG_ERROR)
    expect(truncated.payload.toString()).toMatch(/malformed http\.v1 message from rr: .*runs past the end/)
    const json = await s.next()
    expect(json.flags).toBe(FLAG_ERROR)
    expect(json.payload.toString()).toMatch(/codec 0x8, expected 0x80 .* upgrade rr/)
    expect(lines.join('')).toMatch(/could not read an HTTP request from rr/)
    await handleHttpPayload({ fetch: () => new Response('fine') }, payload('GET', '/'), s.worker)
    expect(parse(await s.next())).toMatchObject({ flags: 0x80, body: 'fine' })
  })

  it('a body stream that fails: 500 if nothing was sent, else the response ends where it broke', async () => {
    const s = pair()
    const lines: string[] = []
    const write = process.stderr.write
    process.stderr.write = ((l: string) => lines.push(String(l)) > 0) as unknown as typeof process.stderr.write
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    try {
      const early = new ReadableStream({ pull: (c) => c.error(new Error('no bytes at all')) })
      await handleHttpPayload({ fetch: () => new Response(early) }, payload('GET', '/early'), s.worker)
      expect(parse(await s.next())).toMatchObject({ stream: false, ctx: { status: 500 }, body: 'Internal Server Error\n' })
      const late = new ReadableStream<Uint8Array>({
        async start(c) {
          c.enqueue(new TextEncoder().encode('half'))
          await gate
          c.error(new Error('broke half-way'))
        },
      })
      const done = handleHttpPayload({ fetch: () => new Response(late) }, payload('GET', '/late'), s.worker)
      expect(parse(await s.next())).toMatchObject({ stream: true, ctx: { status: 200 }, body: 'half' })
      release()
      await done
      expect(parse(await s.next())).toMatchObject({ stream: false, ctx: null, body: '' })
    } finally {
      process.stderr.write = write
    }
    expect(lines.join('')).toMatch(/\/early failed while sending the response: Error: no bytes at all/)
    expect(lines.join('')).toMatch(/\/late failed while sending the response: Error: broke half-way/)
  })
})
