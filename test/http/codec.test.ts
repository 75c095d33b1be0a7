/**
 * The hand-written http.v1 codec against protobufjs reading the schema of record
 * (proto/http/v1/http.proto → src/generated/http-v1.ts): both directions, every field, unknown fields.
 */
import { describe, expect, it } from 'vitest'
import protobuf from 'protobufjs'
import { descriptor } from '../../src/generated/http-v1.js'
import {
  cookiesOf,
  decodeRequestContext,
  decodeResponseContext,
  encodeRequestContext,
  encodeResponseContext,
  encodeResponseFrame,
  HttpCodecError,
  sealEntries,
  type HeaderEntry,
  type RequestContext,
} from '../../src/http/codec.js'

const root = protobuf.Root.fromJSON(descriptor as unknown as protobuf.INamespace)
const RequestType = root.lookupType('http.v1.Request')
const ResponseType = root.lookupType('http.v1.Response')

const bytes = (...vs: string[]) => ({ value: vs.map((v) => Buffer.from(v, 'latin1')) })

/** The context with its lazily decoded maps read, as a plain object. */
const plain = (c: RequestContext) => ({ ...c, header: c.header, cookies: c.cookies, attributes: c.attributes })

describe('http.v1 codec', () => {
  it('decodes every Request field protobufjs encodes, multi-valued maps and non-UTF-8 header bytes included', () => {
    const uploads = Buffer.from('{"file":{"name":"a.txt","mime":"text/plain","size":3,"error":0,"tmpName":"/tmp/upload1"}}')
    const wire = RequestType.encode(
      RequestType.fromObject({
        remote_addr: '::1',
        protocol: 'HTTP/2.0',
        method: 'PATCH',
        uri: 'https://example.test:8443/a/b?x=1&y[]=2',
        header: {
          Accept: bytes('text/html', 'application/json'),
          'X-Latin': bytes('caf\xe9'),
          'X-Long': bytes('v'.repeat(300)),
        },
        cookies: { session: { value: [Buffer.from('héllo wörld')] } },
        raw_query: 'x=1&y[]=2',
        parsed: true,
        uploads,
        attributes: { 'user-id': { value: [Buffer.from('42')] } },
      }),
    ).finish()
    const ctx = decodeRequestContext(wire)
    expect(plain(ctx)).toEqual({
      remote_addr: '::1',
      protocol: 'HTTP/2.0',
      method: 'PATCH',
      uri: 'https://example.test:8443/a/b?x=1&y[]=2',
      header: { Accept: ['text/html', 'application/json'], 'X-Latin': ['caf\xe9'], 'X-Long': ['v'.repeat(300)] },
      cookies: { session: ['héllo wörld'] },
      raw_query: 'x=1&y[]=2',
      parsed: true,
      uploads: expect.any(Uint8Array),
      attributes: { 'user-id': ['42'] },
    })
    expect(Buffer.from(ctx.uploads).toString()).toBe(uploads.toString())
  })

  it('gives defaults for an empty message and skips fields it does not know', () => {
    expect(decodeRequestContext(new Uint8Array(0)).method).toBe('')
    // field 15 (varint) and field 16 (length-delimited) are not in the schema
    const unknown = Buffer.concat([Buffer.from([0x78, 0x96, 0x01, 0x82, 0x01, 0x03, 0x61, 0x62, 0x63]), encodeRequestContext({ method: 'GET' })])
    expect(decodeRequestContext(unknown).method).toBe('GET')
  })

  it('refuses a truncated message with a clear error instead of reading past the end', () => {
    const wire = encodeRequestContext({ method: 'GET', uri: 'http://x/' })
    expect(() => decodeRequestContext(wire.subarray(0, wire.length - 2))).toThrow(HttpCodecError)
    expect(() => decodeRequestContext(wire.subarray(0, wire.length - 2))).toThrow(/runs past the end/)
  })

  it('decodes the header, cookie and attribute maps when they are read, and a broken map fails then', () => {
    const wire = encodeRequestContext({ method: 'GET', uri: 'http://h/', header: { A: ['1'] } })
    // Corrupt the inner HeaderValue of the map entry: the scan only checks the entry's bounds.
    const bad = Buffer.from(wire)
    const at = bad.indexOf(Buffer.from([0x12, 0x03, 0x0a, 0x01, 0x31]))
    bad[at + 3] = 0x7f // value length now runs past the entry
    const ctx = decodeRequestContext(bad)
    expect(ctx.method).toBe('GET')
    expect(() => ctx.header).toThrow(HttpCodecError)
    expect(decodeRequestContext(wire).header).toEqual({ A: ['1'] })
  })

  it('encodes a Response that protobufjs (and so rr) reads back, several Set-Cookie values in one entry', () => {
    const ctx = encodeResponseContext(201, [
      ['Content-Type', 'text/plain'],
      ['Set-Cookie', ['a=1; Path=/', 'b=2; HttpOnly']],
      ['X-Latin', 'caf\xe9'],
    ])
    const m = ResponseType.toObject(ResponseType.decode(ctx), { longs: Number }) as {
      status: number
      headers: Record<string, { value: Uint8Array[] }>
    }
    expect(m.status).toBe(201)
    const text = (k: string) => m.headers[k]!.value.map((v) => Buffer.from(v).toString('latin1'))
    expect(text('Content-Type')).toEqual(['text/plain'])
    expect(text('Set-Cookie')).toEqual(['a=1; Path=/', 'b=2; HttpOnly'])
    expect(text('X-Latin')).toEqual(['caf\xe9'])
    expect(decodeResponseContext(ctx)).toEqual({
      status: 201,
      headers: { 'Content-Type': ['text/plain'], 'Set-Cookie': ['a=1; Path=/', 'b=2; HttpOnly'], 'X-Latin': ['caf\xe9'] },
    })
  })

  it('round-trips a Request through its own encoder (the side tests play for rr)', () => {
    const ctx = {
      remote_addr: '10.0.0.1',
      protocol: 'HTTP/1.1',
      method: 'POST',
      uri: 'http://h/p',
      header: { 'Content-Type': ['application/json'] },
      cookies: { a: ['1'] },
      raw_query: '',
      parsed: false,
      uploads: new Uint8Array(0),
      attributes: {},
    }
    expect(plain(decodeRequestContext(encodeRequestContext(ctx)))).toEqual(ctx)
    expect(JSON.parse(JSON.stringify(decodeRequestContext(encodeRequestContext(ctx)))).header).toEqual(ctx.header)
    expect(RequestType.toObject(RequestType.decode(encodeRequestContext(ctx))).method).toBe('POST')
  })

  it('cookiesOf: null when rr sent no cookies (no map is built), rr\'s map otherwise; own keys only', () => {
    expect(cookiesOf(decodeRequestContext(encodeRequestContext({ method: 'GET', uri: 'http://h/' })))).toBeNull()
    const c = cookiesOf(decodeRequestContext(encodeRequestContext({ method: 'GET', uri: 'http://h/', cookies: { a: ['x y'], constructor: ['1'] } })))
    expect(c).toEqual({ a: ['x y'], constructor: ['1'] })
    const header = JSON.parse('{"__proto__":["h"],"Toolong":["1"]}') as Record<string, string[]>
    const decoded = decodeRequestContext(encodeRequestContext({ header })).header
    expect(Object.getOwnPropertyDescriptor(decoded, '__proto__')?.value).toEqual(['h'])
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype)
    expect(Object.keys(decoded).sort()).toEqual(['Toolong', '__proto__'])
  })
})

describe('sealed header entries (encoded once, copied into every frame)', () => {
  const lists: HeaderEntry[][] = [
    [],
    [['content-type', 'application/json; charset=UTF-8']],
    [['content-type', 'text/html'], ['access-control-allow-origin', '*'], ['set-cookie', ['a=1', 'b=2']], ['x-latin', 'caf\u00e9']],
    [['x-long', 'v'.repeat(300)]],
  ]
  it('gives the bytes of the same entries encoded each time, with and without a content length', () => {
    for (const entries of lists) {
      const sealed = sealEntries(entries)
      for (const [status, withLength, body] of [[200, true, '{"ok":true}'], [404, false, ''], [201, true, 'x'.repeat(200)]] as const) {
        const plainFrame = encodeResponseFrame(status, entries, withLength, body, Buffer.byteLength(body), 0)
        expect(encodeResponseFrame(status, sealed, withLength, body, Buffer.byteLength(body), 0).equals(plainFrame), JSON.stringify(entries)).toBe(true)
      }
    }
  })
  it('is a frozen copy: the list given stays the caller\'s, the sealed one cannot change', () => {
    const entries: HeaderEntry[] = [['x-a', '1']]
    const sealed = sealEntries(entries)
    expect(sealed).not.toBe(entries)
    expect(sealEntries(sealed)).toBe(sealed)
    expect(Object.isFrozen(sealed) && Object.isFrozen(sealed[0])).toBe(true)
    expect(() => (sealed as HeaderEntry[]).push(['x-b', '2'])).toThrow(TypeError)
    entries.push(['x-b', '2'])
    const ctx = encodeResponseFrame(200, sealed, false, '', 0, 0)
    expect(decodeResponseContext(ctx.subarray(16)).headers).toEqual({ 'x-a': ['1'] })
  })
})
