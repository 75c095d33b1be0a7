import { describe, expect, it } from 'vitest'
import { urlParts } from '../../src/moonlight/http/url-parts.js'
import { matchRoute, routeOf } from '../../src/moonlight/http/routes.js'
import { createApp, isEnvelope, response, Service, type ActionMeta } from '../../src/moonlight/index.js'
import { post, recordingLogger, tempRoot } from './helpers.js'

// Hrefs whose quick split must equal the WHATWG parser, and ones it must hand to the parser.
const HREFS = [
  'http://127.0.0.1:8080/api/v1/',
  'http://127.0.0.1:8080/api/v1/ping',
  'http://127.0.0.1:8080/api/v1/?a=1&b[]=2',
  'http://127.0.0.1:8080/api/v1/?',
  'https://example.com/api/v1/task/list?x=%20y&z=a+b',
  'http://[::1]:8080/api/v1/',
  'http://EXAMPLE.com:80/api/v1/',
  'http://h//double//slashes/',
  'http://h/a/./b',
  'http://h/a/../api/v1/',
  'http://h/a/%2e%2E/api/v1/',
  'http://h/api/v1/.well-known',
  'http://h/a\\b',
  'http://h/a b',
  'http://h/a"b?c"d',
  "http://h/a'b?c'd",
  'http://h/a`{}^|/?q=`{}',
  'http://h/caf\u00e9?q=\u00e9',
  'http://h/a#frag',
  'http://h/a?b#frag',
  'http://h/a%zz?%zz',
  'http://user:pass@h/a',
  'http://h?x/y',
  'http://h:8080',
  'HTTP://h/a',
  'http://h/a\tb',
]

describe('urlParts (the front reads pathname and search without a URL when it can)', () => {
  it('gives what new URL gives, on the first and on later sightings of an authority', () => {
    for (let pass = 0; pass < 2; pass++) {
      for (const href of HREFS) {
        const url = new URL(href)
        const parts = urlParts(href)
        expect({ href, pathname: parts.pathname, search: parts.search }).toEqual({ href, pathname: url.pathname, search: url.search })
        // The same href again (answered from the last split when it was a quick one).
        const again = urlParts(href)
        expect({ href, pathname: again.pathname, search: again.search }).toEqual({ href, pathname: url.pathname, search: url.search })
      }
    }
  })

  it('throws where new URL throws (an authority it never parsed)', () => {
    for (const href of ['http://999.1.1.1/api/v1/', 'http://h:99999/api/v1/', 'http://a b/api/']) {
      expect(() => new URL(href)).toThrow()
      expect(() => urlParts(href)).toThrow()
      expect(() => urlParts(href)).toThrow()
      // A good href in between does not let a bad one through the last-split shortcut.
      expect(urlParts('http://127.0.0.1:8080/api/v1/').pathname).toBe('/api/v1/')
      expect(() => urlParts(href)).toThrow()
    }
  })

  it('answers an invalid request URL with the 500 envelope, as before', async () => {
    const logger = recordingLogger()
    const app = createApp({ root: tempRoot().root, switches: { v1: {} }, logger })
    const request = { url: 'http://999.1.1.1/api/v1/', method: 'GET', headers: new Headers() } as unknown as Request
    const res = await app.fetch(request)
    expect(res.status).toBe(500)
    expect((await res.json()).returnCode).toBe(500)
    expect(logger.lines.map((l) => l.message)).toContain('TypeError: Invalid URL')
  })
})

describe('envelope mark', () => {
  it('stays invisible to keys, symbols, JSON and spread, and survives mutation', () => {
    const env = response(0, 'OK', { ok: true })
    expect(Object.keys(env)).toEqual(['returnCode', 'returnMessage', 'returnData', 'extraData'])
    expect(Object.getOwnPropertySymbols(env)).toEqual([])
    expect(JSON.stringify(env)).toBe('{"returnCode":0,"returnMessage":"OK","returnData":{"ok":true},"extraData":null}')
    const copy = { ...env } as Record<string, unknown>
    delete copy.returnData
    expect(isEnvelope(copy)).toBe(false)
    delete (env as Partial<typeof env>).returnData
    expect(isEnvelope(env)).toBe(true)
  })

  it('still recognises the symbol mark older copies set', () => {
    const old = { returnCode: 'x' }
    Object.defineProperty(old, Symbol.for('pionia.moonlight.envelope'), { value: true })
    expect(isEnvelope(old)).toBe(true)
    expect(isEnvelope({ returnCode: 'x' })).toBe(false)
  })
})

describe('action metadata cache', () => {
  it('applies a replaced static actions map from the next call on', async () => {
    class GateService extends Service {
      static override actions: Record<string, ActionMeta> = {}
      async openAction() {
        return response(0, 'open')
      }
    }
    const app = createApp({ root: tempRoot().root, switches: { v1: { gate: GateService } } })
    const call = async () => (await post(app, { service: 'gate', action: 'open' })).body.returnCode
    expect(await call()).toBe(0)
    expect(await call()).toBe(0)
    GateService.actions = { open: { authenticated: true } }
    expect(await call()).toBe(401)
    GateService.actions = {}
    expect(await call()).toBe(0)
  })
})

describe('routeOf (matchRoute remembered per path)', () => {
  it('gives what matchRoute gives, the first time and later', () => {
    const paths = ['/api/v1', '/api/v1/', '/api/v1/ping', '/api/v1/task/list', '/api//v1//ping', '/api/', '/other', '/api/v1/a/b/c', '/api/v1/__catalog']
    for (let pass = 0; pass < 2; pass++) {
      for (const p of paths) {
        for (const base of ['/api/', '/svc/api/']) expect(routeOf(p, base)).toEqual(matchRoute(p, base))
      }
    }
  })
})
