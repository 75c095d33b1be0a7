import { describe, expect, it } from 'vitest'
import { createApp, Service, response } from '../../src/moonlight/index.js'
import { post, recordingLogger, tempRoot } from './helpers.js'

class PingService extends Service {
  async pingAction() {
    return response(0, 'ok')
  }
}

function makeApp(ini = '', env = '') {
  const t = tempRoot(ini, env)
  return { ...t, app: createApp({ root: t.root, logger: recordingLogger(), switches: { v1: { p: PingService } } }) }
}

describe('maintenance gate', () => {
  it('sees settings.ini changes on the next request, answers 503 + Retry-After as JSON for API paths', async () => {
    const { app, writeIni } = makeApp('[maintenance]\nENABLED = false\n')
    expect((await app.fetch(new Request('http://localhost/api/v1/ping'))).status).toBe(200)
    writeIni('[maintenance]\nENABLED = true\nRETRY_AFTER = 60\n')
    const down = await app.fetch(new Request('http://localhost/api/v1/ping'))
    expect(down.status).toBe(503)
    expect(down.headers.get('retry-after')).toBe('60')
    expect(await down.json()).toEqual({
      returnCode: 503,
      returnMessage: 'The application is undergoing scheduled maintenance. Please try again shortly.',
      returnData: null,
      extraData: null,
    })
    writeIni('[maintenance]\nENABLED = false\n')
    expect((await app.fetch(new Request('http://localhost/api/v1/ping'))).status).toBe(200)
  })

  it('serves an HTML page to browsers, JSON for ?json, and exempts /__pionia/', async () => {
    const { app } = makeApp('[maintenance]\nENABLED = true\nMESSAGE = Back <soon>\n')
    const html = await app.fetch(new Request('http://localhost/', { headers: { accept: 'text/html' } }))
    expect(html.status).toBe(503)
    expect(html.headers.get('content-type')).toMatch(/text\/html/)
    const text = await html.text()
    expect(text).toContain("We'll be right back")
    expect(text).toContain('Back &#60;soon&#62;')
    const json = await app.fetch(new Request('http://localhost/?json'))
    expect((await json.json() as any).returnCode).toBe(503)
    expect((await app.fetch(new Request('http://localhost/__pionia/x'))).status).toBe(404)
  })

  it('answers preflights with 503 too (the gate runs before CORS)', async () => {
    const { app } = makeApp('[maintenance]\nENABLED = true\n')
    expect((await app.fetch(new Request('http://localhost/api/v1/', { method: 'OPTIONS' }))).status).toBe(503)
  })

  it('lets the bypass token through by header or query; accepts BYPASS_TOKEN, TOKEN and BYPASS', async () => {
    for (const key of ['BYPASS_TOKEN', 'TOKEN', 'BYPASS']) {
      const { app } = makeApp(`[maintenance]\nENABLED = true\n${key} = open-sesame\n`)
      expect((await app.fetch(new Request('http://localhost/api/v1/ping', { headers: { 'x-maintenance-bypass': 'open-sesame' } }))).status).toBe(200)
      expect((await app.fetch(new Request('http://localhost/api/v1/ping?bypass=open-sesame'))).status).toBe(200)
      expect((await app.fetch(new Request('http://localhost/api/v1/ping?bypass=open-sesam'))).status).toBe(503)
      expect((await app.fetch(new Request('http://localhost/api/v1/ping?bypass=open-sesame-'))).status).toBe(503)
    }
  })

  it('lets environment variables override the file (MAINTENANCE_MODE wins either way)', async () => {
    const on = makeApp('[maintenance]\nENABLED = false\n', 'MAINTENANCE_MODE=true\nMAINTENANCE_MESSAGE=Env says no\nMAINTENANCE_CODE=507\nMAINTENANCE_BYPASS_TOKEN=env-token\n').app
    const r = await on.fetch(new Request('http://localhost/api/v1/ping'))
    expect(r.status).toBe(507)
    expect((await r.json() as any).returnMessage).toBe('Env says no')
    expect((await on.fetch(new Request('http://localhost/api/v1/ping', { headers: { 'x-maintenance-bypass': 'env-token' } }))).status).toBe(200)
    const off = makeApp('[maintenance]\nENABLED = true\n', 'MAINTENANCE_MODE=false\n').app
    expect((await off.fetch(new Request('http://localhost/api/v1/ping'))).status).toBe(200)
  })
})

describe('CORS', () => {
  const ini = '[cors]\nallowed_origins = http://localhost:5173,http://127.0.0.1:5173\nallowed_methods = GET, POST\nmax_age = 600\n'

  it('answers preflight with 204 and the [cors] headers; echoes a listed origin only', async () => {
    const { app } = makeApp(ini)
    const pre = await app.fetch(new Request('http://localhost/api/v1/', { method: 'OPTIONS', headers: { origin: 'http://localhost:5173' } }))
    expect(pre.status).toBe(204)
    expect(await pre.text()).toBe('')
    expect(pre.headers.get('access-control-allow-origin')).toBe('http://localhost:5173')
    expect(pre.headers.get('access-control-allow-methods')).toBe('GET, POST')
    expect(pre.headers.get('access-control-max-age')).toBe('600')
    expect(pre.headers.get('access-control-allow-credentials')).toBe('true')
    expect(pre.headers.get('vary')).toBe('Origin')
    const other = await post(app, { service: 'p', action: 'ping' }, { headers: { origin: 'https://evil.example' } })
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
    expect(other.headers.get('access-control-allow-headers')).toBe('*')
  })

  it('defaults to * for every origin', async () => {
    const { app } = makeApp()
    const r = await post(app, { service: 'p', action: 'ping' }, { headers: { origin: 'https://any.example' } })
    expect(r.headers.get('access-control-allow-origin')).toBe('*')
    expect(r.headers.get('access-control-allow-methods')).toBe('GET, POST, OPTIONS')
  })
})

describe('HTTPS_ONLY', () => {
  it('refuses plain HTTP with a 403 envelope unless the proxy says https', async () => {
    const { app } = makeApp('', 'HTTPS_ONLY=true\n')
    const plain = await post(app, { service: 'p', action: 'ping' })
    expect(plain.status).toBe(403)
    expect(plain.body).toMatchObject({ returnCode: 403, returnMessage: 'Only HTTPS connections are allowed' })
    expect((await post(app, { service: 'p', action: 'ping' }, { headers: { 'x-forwarded-proto': 'https' } })).body.returnCode).toBe(0)
    expect((await post(app, { service: 'p', action: 'ping' }, { path: '/api/v1/' })).status).toBe(403)
    const tls = await app.fetch(new Request('https://localhost/api/v1/ping'))
    expect(tls.status).toBe(200)
  })
})
