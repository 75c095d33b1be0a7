/**
 * Cookies through the real rr: rr's http plugin decodes the Cookie header into the request context
 * (Go's parser, values URL-unescaped); a fetch handler still sees the header as the client sent it,
 * `ctx.cookies` and Moonlight's request data take rr's decoded map (the header is not parsed again).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { curl, startHttpStack, type HttpStack } from './harness.js'

// a: %20 unescaped; b: `+` is a space; c: quotes stripped; d: not unescapable (rr drops it);
// e: a backslash is not a valid cookie byte (Go drops it, a plain split would keep it);
// constructor / __proto__: plain names.
const COOKIE = 'a=x%20y; b=1+2; c="quoted"; d=%zz; e=a\\b; constructor=c; __proto__=p'

describe('cookies from rr (real rr)', () => {
  let stack: HttpStack
  beforeAll(async () => {
    stack = await startHttpStack('request-echo-worker.ts')
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it('a fetch handler sees the Cookie header unchanged, and ctx.cookies is what rr decoded', async () => {
    const res = await fetch(`${stack.base}/echo`, { headers: { cookie: COOKIE } })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { cookieHeader: string; cookies: Record<string, string>; cookieNames: string[] }
    expect(body.cookieHeader).toBe(COOKIE)
    expect(body.cookieNames.sort()).toEqual(['__proto__', 'a', 'b', 'c', 'constructor'])
    expect(body.cookies.a).toBe('x y')
    expect(body.cookies.b).toBe('1 2')
    expect(body.cookies.c).toBe('quoted')
    expect(body.cookies.constructor).toBe('c')
    expect(Object.getOwnPropertyDescriptor(body.cookies, '__proto__')?.value).toBe('p')
  })

  it('Moonlight request data starts from rr’s cookies (cookies < query < body)', async () => {
    const res = await fetch(`${stack.base}/api/v1/?b=query`, {
      method: 'POST',
      headers: { cookie: COOKIE, 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'echo', action: 'echo', c: 'body' }),
    })
    expect(res.status).toBe(200)
    const data = ((await res.json()) as { returnData: Record<string, unknown> }).returnData
    expect(data.a).toBe('x y')
    expect(data.b).toBe('query')
    expect(data.c).toBe('body')
    expect(Object.hasOwn(data, 'd')).toBe(false)
    expect(Object.hasOwn(data, 'e')).toBe(false) // rr dropped it: the header was not parsed again
    expect(Object.getOwnPropertyDescriptor(data, 'constructor')?.value).toBe('c')
    expect(Object.getOwnPropertyDescriptor(data, '__proto__')?.value).toBe('p')
  })

  it('a header named __proto__ is a header like any other (no 500)', async () => {
    // curl, not fetch: undici does not send a header of that name.
    const out = await curl([`${stack.base}/echo`, '-H', '__proto__: h', '-H', 'cookie: constructor=1', '-w', '\n%{http_code}'])
    const [json, status] = out.split('\n')
    expect(status).toBe('200')
    const body = JSON.parse(json!) as { protoHeader: string | null; cookieNames: string[] }
    expect(body.protoHeader).toBe('h')
    expect(body.cookieNames).toEqual(['constructor'])
  })

  it('no Cookie header: no cookies, and the call works as before', async () => {
    const echo = (await (await fetch(`${stack.base}/echo`)).json()) as { cookieHeader: string | null; cookieNames: string[] }
    expect(echo.cookieHeader).toBeNull()
    expect(echo.cookieNames).toEqual([])
    const res = await fetch(`${stack.base}/api/v1/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"service":"echo","action":"echo","x":1}' })
    expect(((await res.json()) as { returnData: unknown }).returnData).toEqual({ service: 'echo', action: 'echo', x: 1 })
  })
})
