/**
 * What a fetch handler sees behind the real rr compared with the PHP SDK's PSR7Worker (issue 22):
 * request.clone() for every body kind rr sends, null-body statuses with a body (the exact warning
 * at WARN in rr's log, Set-Cookie kept when there is no body), and PHP parse_str query trees in
 * ctx.query and in Moonlight's GET data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../helpers/rr.js'
import { curl, startHttpStack, type HttpStack } from './harness.js'

let s: HttpStack
let raw: HttpStack

beforeAll(async () => {
  const rpc = await freePort()
  ;[s, raw] = await Promise.all([
    startHttpStack('fidelity-worker.ts', { config: { rpc: { listen: `tcp://127.0.0.1:${rpc}` } } }),
    startHttpStack('fidelity-worker.ts', { http: { raw_body: true } }),
  ])
})
afterAll(async () => {
  await Promise.all([s?.stop(), raw?.stop()])
})

interface Kind {
  name: string
  method?: string
  body?: () => BodyInit
  type?: string
  /** No body bytes: the body is null, as on a GET (bodyUsed stays false). */
  nullBody?: boolean
  /** rr parsed the body (urlencoded/multipart with raw_body: false). */
  parsed: boolean
  /** Expected formData() entries, when the body is a form. */
  entries?: unknown[]
}

const urlencoded = 'title=Hello+world&tags[]=x&tags[]=y'
const multipart = (): FormData => {
  const fd = new FormData()
  fd.append('note', 'hi')
  fd.append('doc', new File(['file-bytes'], 'a.txt', { type: 'text/plain' }))
  return fd
}
const kinds: Kind[] = [
  { name: 'JSON', body: () => '{"a":[1,"é"]}', type: 'application/json', parsed: false },
  { name: 'text', body: () => 'plain text é', type: 'text/plain', parsed: false },
  { name: 'binary', body: () => new Uint8Array([0, 255, 1, 254, 10]), type: 'application/octet-stream', parsed: false },
  { name: 'empty POST', body: () => '', type: 'text/plain', parsed: false, nullBody: true },
  { name: 'GET', method: 'GET', parsed: false, nullBody: true },
  {
    name: 'urlencoded (rr parsed)', body: () => urlencoded, type: 'application/x-www-form-urlencoded', parsed: true,
    entries: [['tags[]', 'x'], ['tags[]', 'y'], ['title', 'Hello world']],
  },
  {
    name: 'multipart (rr parsed)', body: multipart, parsed: true,
    entries: [['note', 'hi'], ['doc', { file: 'a.txt', size: 10, text: 'file-bytes' }]],
  },
]

async function clone(stack: HttpStack, k: Kind, query: string): Promise<{ parsed: boolean; orig: unknown; copy: unknown; copyUsed: boolean; origUsed: boolean }> {
  const res = await fetch(`${stack.base}/clone?${query}`, {
    method: k.method ?? 'POST',
    headers: k.type ? { 'content-type': k.type } : undefined,
    body: k.body?.(),
  })
  expect(res.status).toBe(200)
  return (await res.json()) as never
}

describe('request.clone() behind rr: both copies stay readable', () => {
  for (const k of kinds) {
    it(`${k.name}: formData/text/json/arrayBuffer give the same on the original and the clone, in either order`, async () => {
      for (const read of ['formData', 'text', 'json', 'arrayBuffer']) {
        const answers = []
        for (const q of [`read=${read}`, `read=${read}&order=copy-first`, `read=${read}&native=1`]) {
          const out = await clone(s, k, q)
          expect(out.parsed).toBe(k.parsed)
          expect(out.copy, `${read} ${q}`).toEqual(out.orig)
          if (!k.nullBody) expect([out.origUsed, out.copyUsed]).toEqual([true, true])
          answers.push(out.orig)
        }
        expect(answers[1]).toEqual(answers[0])
        expect(answers[2]).toEqual(answers[0])
        const got = answers[0] as { error?: string }
        if (read === 'formData' && k.entries) expect(got).toEqual(k.entries)
        if (read === 'formData' && !k.entries) expect(got.error).toMatch(/^TypeError/)
        if (read === 'json' && k.parsed) expect(got).toEqual(k.name.startsWith('url') ? { title: 'Hello world', tags: ['x', 'y'] } : { note: 'hi' })
      }
    })
  }

  it('a clone that is never read leaves formData() on the original working (the reported defect)', async () => {
    for (const k of kinds.filter((x) => x.entries)) {
      const out = await clone(s, k, 'read=none')
      expect(out.orig).toEqual(k.entries)
      expect(out.copyUsed).toBe(false)
    }
  })

  it('with http.raw_body: true the worker parses the forms, and both copies do', async () => {
    for (const k of kinds.filter((x) => x.entries)) {
      for (const q of ['read=formData', 'read=formData&order=copy-first', 'read=formData&native=1', 'read=none']) {
        const out = await clone(raw, k, q)
        expect(out.parsed).toBe(false)
        const want = k.name.startsWith('url') ? [['title', 'Hello world'], ['tags[]', 'x'], ['tags[]', 'y']] : k.entries
        expect(out.orig, q).toEqual(want)
        if (q !== 'read=none') expect(out.copy, q).toEqual(want)
      }
      const text = await clone(raw, k, 'read=text')
      expect(text.copy).toEqual(text.orig)
      if (k.name.startsWith('url')) expect(text.orig).toBe(urlencoded)
    }
  })
})

describe('null-body statuses (204, 304) behind rr', () => {
  it('sends 204 and 304 without a body with every Set-Cookie header', async () => {
    for (const status of [204, 304]) {
      const res = await fetch(`${s.base}/nobody/${status}`)
      expect(res.status).toBe(status)
      expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/'])
      expect(await res.text()).toBe('')
    }
  })

  it('a body on 204/304 (even an empty string) is a 500 and the exact warning, once, at WARN in rr log', async () => {
    for (const q of ['body=x', 'body=', 'body=x']) {
      const res = await fetch(`${s.base}/nobody/204?${q}`)
      expect(res.status).toBe(500)
      expect(res.headers.getSetCookie()).toEqual([])
    }
    const line204 = /WARN\s+app\s+\[pionia\] a 204 response cannot have a body: drop the body or use 200/
    await s.rr.waitForOutput(line204)
    // The native Response constructor's error (undici's wording) gets the same warning.
    expect((await fetch(`${s.base}/nobody/304?body=x&native=1`)).status).toBe(500)
    await s.rr.waitForOutput(/WARN\s+app\s+\[pionia\] a 304 response cannot have a body: drop the body or use 200/)
    const out = s.rr.output()
    expect(out.match(new RegExp(line204.source, 'g'))).toHaveLength(1)
    // Every failing request still has its INFO line with the stack that points at the handler.
    expect(out.match(/\[pionia\] GET http:\/\/127\.0\.0\.1:\d+\/nobody\/204\?body=x? failed: TypeError: a 204 response cannot have a body/g)).toHaveLength(3)
    expect(out).toMatch(/fidelity-worker\.ts:\d+/)
  })

  it('without rr RPC the warning goes to stderr (rr INFO)', async () => {
    expect((await fetch(`${raw.base}/nobody/205?body=x`)).status).toBe(500)
    // rr may log the stack line and this one as one INFO message.
    await raw.rr.waitForOutput(/\n\[pionia\] a 205 response cannot have a body: drop the body or use 200\n|INFO\s+server\s+\[pionia\] a 205 response cannot/)
    expect(raw.rr.output()).not.toMatch(/WARN\s+app/)
  })
})

describe('query strings as PHP parse_str trees (expected trees printed by PHP 8.2 parse_str)', () => {
  it('ctx.query builds lists, nested arrays, empty values, and keeps the last plain repeated key', async () => {
    const q = 'a[]=1&a[]=2&b[c][d]=x&e=&f&g=1&g=2&h.i=3&j[5]=p&j[]=q&k%5B%5D=enc&l=caf%C3%A9'
    const res = (await (await fetch(`${s.base}/query?${q}`)).json()) as { query: unknown; searchParams: unknown }
    expect(res.query).toEqual({ a: ['1', '2'], b: { c: { d: 'x' } }, e: '', f: '', g: '2', h_i: '3', j: { 5: 'p', 6: 'q' }, k: ['enc'], l: 'café' })
    // The WHATWG view keeps the literal keys.
    expect((res.searchParams as string[][]).slice(0, 2)).toEqual([['a[]', '1'], ['a[]', '2']])
  })

  it('Moonlight GET /api/v1/{service}/{action} data is the same tree (RequestData.all/get)', async () => {
    const res = (await (await fetch(`${s.base}/api/v1/echo/echo?tags[]=a&tags[]=b&page[size]=10&page[n]=2&q=&q2=x&q2=y`)).json()) as { returnData: any }
    expect(res.returnData.tags).toEqual(['a', 'b'])
    expect(res.returnData.page).toEqual({ size: '10', n: '2' })
    expect(res.returnData.all).toEqual({ tags: ['a', 'b'], page: { size: '10', n: '2' }, q: '', q2: 'y', service: 'echo', action: 'echo' })
  })
})

describe('documented differences from the PHP PSR-7 worker (README table)', () => {
  it('keeps rr URI as sent in request.url and ctx.raw.uri; new URL() resolves dot segments', async () => {
    const out = await curl(['--path-as-is', `${s.base}/inspect/a/./b/../c?x=%20y`])
    const e = JSON.parse(out) as { url: string; pathname: string; rawUri: string }
    expect(e.rawUri).toBe(`${s.base}/inspect/a/./b/../c?x=%20y`)
    expect(e.url).toBe(e.rawUri)
    expect(e.pathname).toBe('/inspect/a/c')
  })

  it('gives header values as Latin-1 byte strings; Buffer.from(v, "latin1") re-decodes UTF-8', async () => {
    const out = Buffer.from(await curl(['-H', 'X-Name: Zoë €', `${s.base}/inspect`]), 'latin1').toString('utf8')
    const e = JSON.parse(out) as { header: string; headerUtf8: string }
    expect(e.header).toBe(Buffer.from('Zoë €', 'utf8').toString('latin1'))
    expect(e.headerUtf8).toBe('Zoë €')
  })

  it('loses a custom reason phrase (rr protocol has no field for it; the PHP worker loses it too)', async () => {
    const head = await curl(['-sS', '-D', '-', '-o', '/dev/null', `${s.base}/reason`])
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 200 OK')
  })
})
