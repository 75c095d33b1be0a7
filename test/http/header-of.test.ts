/**
 * headerOf(request, name): the answer of `request.headers.get(name)` read straight from rr's
 * header map, for the same inputs, without building the Headers; any other Request goes through
 * its Headers.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createRequest, decodeRequestContext, encodeRequestContext, headerOf } from '../../src/http/index.js'
import type { HeaderMap, RequestContext } from '../../src/http/codec.js'

function ctx(header: HeaderMap, uri = 'http://example.test:8080/p?x=1'): RequestContext {
  return {
    remote_addr: '127.0.0.1',
    protocol: 'HTTP/1.1',
    method: 'POST',
    uri,
    header,
    cookies: {},
    raw_query: 'x=1',
    parsed: false,
    uploads: new Uint8Array(0),
    attributes: {},
  }
}

/** Counts `new Headers()` calls made while `fn` runs. */
function headersBuilt(fn: () => void): number {
  let built = 0
  const Native = globalThis.Headers
  vi.stubGlobal(
    'Headers',
    class extends Native {
      constructor(init?: HeadersInit) {
        super(init)
        built++
      }
    },
  )
  try {
    fn()
  } finally {
    vi.unstubAllGlobals()
  }
  return built
}

afterEach(() => vi.unstubAllGlobals())

const tricky: HeaderMap = {
  'Content-Type': ['application/json'],
  Accept: ['a/b', 'c/d'],
  accept: ['e/f'],
  'X-Space': ['  padded \t', '\r\nlead', 'trail\r\n', ''],
  'X-Nbsp': ['\u00a0kept\u00a0', '\u000bvt'],
  Cookie: ['a=1', 'b=2'],
  cookie: ['c=3'],
  'Set-Cookie': ['s=1', 's=2'],
  'X-Latin': ['café', 'ÿ'],
  'X-Empty': [''],
  '123': ['numeric name'],
}

const names = [
  'content-type',
  'CONTENT-TYPE',
  'Accept',
  'x-space',
  'X-NBSP',
  'cookie',
  'set-cookie',
  'x-latin',
  'x-empty',
  '123',
  'host',
  'Host',
  'missing',
]

describe('headerOf', () => {
  it('answers what Headers.get answers, for every name, without building Headers', () => {
    for (const name of names) {
      const expected = createRequest(ctx(tricky), null).headers.get(name)
      let got: string | null | undefined
      expect(headersBuilt(() => (got = headerOf(createRequest(ctx(tricky), null), name)))).toBe(0)
      expect(got, name).toBe(expected)
    }
    expect(headerOf(createRequest(ctx(tricky), null), 'accept')).toBe('a/b, c/d, e/f')
    expect(headerOf(createRequest(ctx(tricky), null), 'cookie')).toBe('a=1; b=2; c=3')
    expect(headerOf(createRequest(ctx(tricky), null), 'x-space')).toBe('padded, lead, trail, ')
    expect(headerOf(createRequest(ctx(tricky), null), 'host')).toBe('example.test:8080')
    expect(headerOf(createRequest(ctx(tricky), null), 'missing')).toBeNull()
  })

  it('reads a context decoded from rr bytes the same way', () => {
    const bytes = encodeRequestContext(ctx(tricky))
    for (const name of names) {
      expect(headerOf(createRequest(decodeRequestContext(bytes), null), name), name).toBe(
        createRequest(decodeRequestContext(bytes), null).headers.get(name),
      )
    }
  })

  it('decodes only the entries of the name asked for, with the same answers before and after the map is read', () => {
    const bytes = encodeRequestContext(ctx(tricky))
    const decoded = decodeRequestContext(bytes) as RequestContext & { headersNamed(lower: string): HeaderMap | null }
    expect({ ...decoded.headersNamed('accept') }).toEqual({ Accept: ['a/b', 'c/d'], accept: ['e/f'] })
    expect(decoded.headersNamed('missing')).toBeNull()
    const before = names.map((n) => headerOf(createRequest(decoded, null), n))
    void decoded.header
    expect({ ...decoded.headersNamed('accept') }).toEqual({ Accept: ['a/b', 'c/d'], accept: ['e/f'] })
    expect(names.map((n) => headerOf(createRequest(decoded, null), n))).toEqual(before)
  })

  it('throws for a malformed header map as reading the whole map does, whichever name is asked for', () => {
    const good = encodeRequestContext(ctx({ 'X-A': ['1'], 'X-B': ['2'] }))
    // Corrupt the length of the last header value so that it runs past its entry.
    const bad = Buffer.from(good)
    const at = bad.lastIndexOf(Buffer.from('2'))
    bad[at - 1] = 9
    expect(() => decodeRequestContext(bad).header).toThrow(/malformed http\.v1 message/)
    for (const name of ['x-a', 'x-b', 'missing']) {
      expect(() => headerOf(createRequest(decodeRequestContext(bad), null), name), name).toThrow(/malformed http\.v1 message/)
    }
  })

  it('has no Host without one in the URL, and a Host header rr left in the map joins the URL one', () => {
    expect(headerOf(createRequest(ctx({}, 'http:///p'), null), 'host')).toBeNull()
    const both = ctx({ Host: ['other'] })
    expect(headerOf(createRequest(both, null), 'host')).toBe(createRequest(both, null).headers.get('host'))
    expect(headerOf(createRequest(both, null), 'host')).toBe('example.test:8080, other')
  })

  it('drops values Headers refuses exactly as request.headers does', () => {
    const bad: HeaderMap = {
      'X-Bad': ['ok', 'in\nside', 'after'],
      'X-Nul': ['a\0b'],
      'X-Wide': ['\u0100'],
      'Bad Name': ['x'],
      'X-Good': ['fine'],
    }
    for (const name of ['x-bad', 'x-nul', 'x-wide', 'x-good', 'missing']) {
      expect(headerOf(createRequest(ctx(bad), null), name), name).toBe(createRequest(ctx(bad), null).headers.get(name))
    }
    expect(headerOf(createRequest(ctx(bad), null), 'x-bad')).toBe('ok, after')
    // Only the names with a refused value pay for the Headers.
    expect(headersBuilt(() => headerOf(createRequest(ctx(bad), null), 'x-good'))).toBe(0)
    expect(headersBuilt(() => headerOf(createRequest(ctx(bad), null), 'x-bad'))).toBe(1)
  })

  it('throws for an invalid name, as Headers.get does', () => {
    const r = createRequest(ctx(tricky), null)
    expect(() => headerOf(r, 'bad name')).toThrow(TypeError)
    expect(() => headerOf(r, 'bad name')).toThrow(/invalid header name/)
    expect(() => headerOf(r, '')).toThrow(TypeError)
  })

  it('sees changes made to request.headers once they were read', () => {
    const r = createRequest(ctx(tricky), null)
    r.headers.set('content-type', 'text/plain')
    r.headers.delete('accept')
    r.headers.append('x-new', 'v')
    expect(headerOf(r, 'Content-Type')).toBe('text/plain')
    expect(headerOf(r, 'accept')).toBeNull()
    expect(headerOf(r, 'x-new')).toBe('v')
  })

  it('reads any other Request through its headers', () => {
    const r = new Request('http://h.test/', { headers: { 'X-A': ' 1 ', Cookie: 'a=1' } })
    expect(headerOf(r, 'x-a')).toBe('1')
    expect(headerOf(r, 'cookie')).toBe('a=1')
    expect(headerOf(r, 'host')).toBeNull()
    expect(() => headerOf(r, 'bad name')).toThrow(TypeError)
  })
})
