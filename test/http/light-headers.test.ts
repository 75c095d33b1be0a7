/**
 * A light Response keeps headers given as a plain record (validated, as codec entries) and builds
 * Headers only when `headers` is read. Everything observable matches the native Response: the
 * Headers, the frame rr is sent, the errors, changes after construction, Set-Cookie, Trailer.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryRelayPair } from '../../src/relay/index.js'
import { Worker } from '../../src/worker/index.js'
import type { Frame } from '../../src/goridge/index.js'
import { FLAG_CODEC_PROTO } from '../../src/goridge/index.js'
import { decodeResponseContext, encodeRequestContext, handleHttpPayload, LightResponse } from '../../src/http/index.js'
import { NativeResponse } from '../../src/http/light-response.js'

afterEach(() => vi.unstubAllGlobals())

/** The response context and body the worker sends rr for `response`. */
async function sent(make: () => Response): Promise<{ status: number; headers: Record<string, string[]>; body: string }> {
  const [workerSide, rrSide] = createMemoryRelayPair()
  const frames: Frame[] = []
  let wake: (() => void) | null = null
  rrSide.start({ frame: (f) => (frames.push({ ...f, payload: Buffer.from(f.payload) }), wake?.()), close: () => {} })
  const worker = new Worker(workerSide, { log: () => {} })
  await handleHttpPayload(
    { fetch: make },
    { context: encodeRequestContext({ method: 'GET', uri: 'http://t.local/', protocol: 'HTTP/1.1', remote_addr: '1.2.3.4' }), body: Buffer.alloc(0), codec: FLAG_CODEC_PROTO },
    worker,
  )
  while (frames.length === 0) await new Promise<void>((r) => (wake = r))
  const f = frames[0]!
  const split = f.options[0]!
  const ctx = decodeResponseContext(f.payload.subarray(0, split))
  return { status: ctx.status, headers: ctx.headers, body: f.payload.subarray(split).toString() }
}

function headersBuilt(fn: () => void): number {
  let built = 0
  const Native = globalThis.Headers
  vi.stubGlobal('Headers', class extends Native { constructor(init?: HeadersInit) { super(init); built++ } })
  try { fn() } finally { vi.unstubAllGlobals() }
  return built
}

const records: Record<string, string>[] = [
  { 'X-A': '1' },
  { 'Content-Type': 'text/html', 'Cache-Control': ' no-store \t' },
  { 'set-cookie': 'a=1; Path=/', 'X-Empty': '' },
  { Trailer: 'X-Sum', 'X-Other': 'v' },
  { 'X-Latin': 'café', 'x-nbsp': '\u00a0v\u00a0' },
]

describe('light Response with a plain header record', () => {
  it('has the same headers and sends the same frame as the native Response', async () => {
    for (const headers of records) {
      for (const make of [
        (R: typeof Response) => new R('body', { status: 201, headers: { ...headers } }),
        (R: typeof Response) => R.json({ ok: true }, { status: 202, headers: { ...headers } }),
      ]) {
        const light = make(LightResponse as unknown as typeof Response)
        const native = make(NativeResponse)
        expect([...light.headers], JSON.stringify(headers)).toEqual([...native.headers])
        expect(light.headers.getSetCookie()).toEqual(native.headers.getSetCookie())
        const a = await sent(() => make(LightResponse as unknown as typeof Response))
        const b = await sent(() => make(NativeResponse))
        expect(a).toEqual(b)
      }
    }
  })

  it('builds no Headers until they are read', () => {
    expect(headersBuilt(() => new LightResponse('x', { headers: { 'Content-Type': 'text/plain', 'X-A': '1' } }))).toBe(0)
    expect(headersBuilt(() => LightResponse.json({}, { headers: { 'X-A': '1' } }))).toBe(0)
    expect(headersBuilt(() => new LightResponse('x', { headers: { 'X-A': '1' } }).headers.get('x-a'))).toBe(1)
    // Not a plain record Headers takes as is: the Headers is built at once, as before.
    expect(headersBuilt(() => new LightResponse('x', { headers: [['x-a', '1']] }))).toBe(1)
    expect(headersBuilt(() => new LightResponse('x', { headers: { 'X-A': '1', 'x-a': '2' } }))).toBe(1)
  })

  it('throws what the native Response throws for a bad record', () => {
    for (const headers of [{ 'bad name': 'x' }, { 'x-a': 'a\nb' }, { 'x-a': '\u0100' }, { 'x-a': '\0' }] as Record<string, string>[]) {
      let expected: unknown
      try {
        new NativeResponse('x', { headers })
      } catch (err) {
        expected = err
      }
      expect(expected, JSON.stringify(headers)).toBeInstanceOf(TypeError)
      expect(() => new LightResponse('x', { headers })).toThrow((expected as Error).message)
      expect(() => LightResponse.json({}, { headers })).toThrow((expected as Error).message)
    }
  })

  it('joins names alike but for case and converts non-string values as Headers does', () => {
    const headers = { 'X-A': '1', 'x-a': '2', 'X-N': 5 as unknown as string }
    expect([...new LightResponse('x', { headers }).headers]).toEqual([...new NativeResponse('x', { headers }).headers])
  })

  it('keeps its own copy: changing the record later changes nothing; changing headers does', async () => {
    const record: Record<string, string> = { 'X-A': '1' }
    const r = new LightResponse('x', { headers: record })
    record['X-A'] = 'changed'
    record['X-B'] = 'new'
    expect(r.headers.get('x-a')).toBe('1')
    expect(r.headers.get('x-b')).toBeNull()
    const late = await sent(() => {
      const x = new LightResponse('y', { headers: { 'X-A': '1' } }) as unknown as Response
      x.headers.set('x-late', 'yes')
      x.headers.delete('x-a')
      return x
    })
    expect(late.headers['x-late']).toEqual(['yes'])
    expect(late.headers['x-a']).toBeUndefined()
    expect(late.body).toBe('y')
  })

  it('materialises with the kept headers (text(), clone())', async () => {
    const r = new LightResponse('hello', { headers: { 'X-A': '1' } }) as unknown as Response
    const c = r.clone()
    expect(await c.text()).toBe('hello')
    expect(c.headers.get('x-a')).toBe('1')
    expect(c.headers.get('content-type')).toBe('text/plain;charset=UTF-8')
  })
})

describe('a frozen header record (shared by many responses: its entries are encoded once)', () => {
  it('sends the same frame as the native Response, every time, for each body type', async () => {
    for (const headers of records) {
      const frozen = Object.freeze({ ...headers })
      for (let round = 0; round < 3; round++) {
        for (const make of [
          (R: typeof Response) => new R('body', { status: 201, headers: frozen }),
          (R: typeof Response) => R.json({ ok: round }, { status: 202, headers: frozen }),
          (R: typeof Response) => new R(new Uint8Array([1, 2, 3]), { headers: frozen }),
        ]) {
          const a = await sent(() => make(LightResponse as unknown as typeof Response))
          const b = await sent(() => make(NativeResponse))
          expect(a, `${JSON.stringify(headers)} round ${round}`).toEqual(b)
        }
      }
    }
  })

  it('changing one response built from it changes neither the record nor the next response', async () => {
    const frozen = Object.freeze({ 'X-A': '1' })
    const first = await sent(() => {
      const r = new LightResponse('x', { headers: frozen }) as unknown as Response
      r.headers.set('x-a', 'changed')
      r.headers.set('x-b', 'added')
      return r
    })
    expect(first.headers['x-a']).toEqual(['changed'])
    expect(first.headers['x-b']).toEqual(['added'])
    const next = await sent(() => new LightResponse('x', { headers: frozen }) as unknown as Response)
    expect(next.headers['x-a']).toEqual(['1'])
    expect(next.headers['x-b']).toBeUndefined()
    expect(frozen).toEqual({ 'X-A': '1' })
  })

  it('reads a frozen record with a getter on every response, as Headers does', async () => {
    let n = 0
    const frozen = Object.freeze(Object.defineProperty({}, 'X-N', { get: () => String(++n), enumerable: true })) as Record<string, string>
    const a = await sent(() => new LightResponse('x', { headers: frozen }) as unknown as Response)
    const b = await sent(() => new LightResponse('x', { headers: frozen }) as unknown as Response)
    expect(a.headers['x-n']).not.toEqual(b.headers['x-n'])
  })

  it('still refuses a bad frozen record with the native error, on every response', () => {
    const bad = Object.freeze({ 'x-a': 'a\nb' })
    for (let i = 0; i < 2; i++) expect(() => new LightResponse('x', { headers: bad })).toThrow(TypeError)
  })
})
