import { describe, expect, it } from 'vitest'
import { createApp, Service, response, moonlight, type RequestData, type FileBag, type MoonlightRequest } from '../../src/moonlight/index.js'
import { post, recordingLogger, tempRoot } from './helpers.js'

class EchoService extends Service {
  async echoAction(data: RequestData) {
    return response(0, 'echo', data.all())
  }
  async sendWelcomeAction() {
    return response(0, 'welcome')
  }
  async loginAction() {
    return response(0, 'login')
  }
  async filesAction(_d: RequestData, files: FileBag, req: MoonlightRequest) {
    const f = files.doc!
    return response(0, 'files', { name: f.name, size: f.size, text: await f.text(), note: req.data.get('note') })
  }
  async nothingAction() {
    return { ok: true } as never
  }
  helper() {
    return response(0, 'should not be reachable')
  }
}

function makeApp(ini = '', env = '') {
  const { root } = tempRoot(ini, env)
  const logger = recordingLogger()
  const app = createApp({ root, logger, switches: { v1: { echo: EchoService } } })
  return { app, logger, root }
}

describe('Moonlight routes', () => {
  it('dispatches POST /api/v1 and /api/v1/ alike, with exactly the four envelope keys', async () => {
    const { app } = makeApp()
    for (const path of ['/api/v1', '/api/v1/']) {
      const r = await post(app, { service: 'echo', action: 'echo', a: 1 }, { path })
      expect(r.status).toBe(200)
      expect(r.headers.get('content-type')).toBe('application/json; charset=UTF-8')
      expect(Object.keys(r.body)).toEqual(['returnCode', 'returnMessage', 'returnData', 'extraData'])
      expect(r.body.returnData).toEqual({ service: 'echo', action: 'echo', a: 1 })
    }
  })

  it('answers ping, the overview, and GET /api/v1/{service}/{action} with query data', async () => {
    const { app } = makeApp()
    const ping = await (await app.fetch(new Request('http://localhost/api/v1/ping/'))).json()
    expect(ping).toEqual({ returnCode: 0, returnMessage: 'pong', returnData: null, extraData: null })
    const overview = await (await app.fetch(new Request('http://localhost/api/v1'))).json() as any
    expect(overview.returnMessage).toBe('Moonlight API')
    expect(overview.returnData.dispatch).toEqual({ method: 'POST', path: '/api/v1', body: { service: '<alias>', action: '<action>' } })
    const get = await (await app.fetch(new Request('http://localhost/api/v1/echo/echo/?x=1'))).json() as any
    expect(get.returnData).toEqual({ x: '1', service: 'echo', action: 'echo' })
  })

  it('answers 405 for a wrong method and 404 for unknown routes and versions', async () => {
    const { app } = makeApp()
    const put = await app.fetch(new Request('http://localhost/api/v1/ping', { method: 'PUT' }))
    expect(put.status).toBe(405)
    expect(put.headers.get('allow')).toBe('GET')
    expect((await put.json() as any).returnCode).toBe(405)
    const v9 = await app.fetch(new Request('http://localhost/api/v9/ping'))
    expect(v9.status).toBe(404)
    expect((await v9.json() as any).returnCode).toBe(404)
    const page = await app.fetch(new Request('http://localhost/nothing-here', { headers: { accept: 'text/html' } }))
    expect(page.status).toBe(404)
    expect(page.headers.get('content-type')).toMatch(/text\/html/)
  })

  it('hides __catalog unless debug or DOCS_ENABLED, and checks DOCS_TOKEN', async () => {
    expect((await makeApp().app.fetch(new Request('http://localhost/api/v1/__catalog'))).status).toBe(404)
    const { app } = makeApp('', 'DOCS_ENABLED=true\nDOCS_TOKEN=abc\n')
    expect((await app.fetch(new Request('http://localhost/api/v1/__catalog'))).status).toBe(404)
    const ok = await app.fetch(new Request('http://localhost/api/v1/__catalog?token=abc'))
    expect(ok.status).toBe(200)
    const body = await ok.json() as any
    const names = body.returnData.services.echo.actions.map((a: { name: string }) => a.name)
    expect(names).toEqual(expect.arrayContaining(['echo', 'send_welcome', 'login', 'files']))
    expect(names).not.toContain('helper')
  })
})

describe('Moonlight request data and action names', () => {
  it('merges cookies < query < body (later wins)', async () => {
    const { app } = makeApp()
    const r = await post(app, { service: 'echo', action: 'echo', a: 'body' }, {
      path: '/api/v1/?a=query&b=query',
      headers: { cookie: 'a=cookie; b=cookie; c=cookie' },
    })
    expect(r.body.returnData).toMatchObject({ a: 'body', b: 'query', c: 'cookie' })
  })

  it('passes multipart files as the second argument and fields in data', async () => {
    const { app } = makeApp()
    const form = new FormData()
    form.set('service', 'echo')
    form.set('action', 'files')
    form.set('note', 'hello')
    form.set('doc', new File(['file body'], 'notes.txt', { type: 'text/plain' }))
    const res = await app.fetch(new Request('http://localhost/api/v1/', { method: 'POST', body: form }))
    expect(await res.json()).toMatchObject({ returnCode: 0, returnData: { name: 'notes.txt', size: 9, text: 'file body', note: 'hello' } })
  })

  it('resolves send_welcome → sendWelcomeAction and accepts the full loginAction name', async () => {
    const { app } = makeApp()
    expect((await post(app, { service: 'echo', action: 'send_welcome' })).body.returnMessage).toBe('welcome')
    expect((await post(app, { service: 'echo', action: 'sendWelcome' })).body.returnMessage).toBe('welcome')
    expect((await post(app, { service: 'echo', action: 'loginAction' })).body.returnMessage).toBe('login')
  })

  it('never reaches methods that are not actions', async () => {
    const { app } = makeApp()
    for (const action of ['helper', 'mustAuthenticate', 'constructor', 'toString']) {
      const r = await post(app, { service: 'echo', action })
      expect(r.status).toBe(404)
      expect(r.body.returnMessage).toMatch(/not found in the echo context/)
    }
  })

  it('answers 404 for missing service/action keys and 400 for bodies that are not JSON objects', async () => {
    const { app } = makeApp()
    expect((await post(app, { action: 'echo' })).body).toMatchObject({ returnCode: 404, returnMessage: 'Service not defined in request data' })
    expect((await post(app, { service: 'echo' })).body).toMatchObject({ returnCode: 404, returnMessage: 'Action not defined in request data' })
    const arr = await post(app, '[1,2]')
    expect(arr.status).toBe(400)
    expect(arr.body.returnMessage).toMatch(/must be a JSON object/)
    expect((await post(app, { SERVICE: 'echo', ACTION: 'echo' })).status).toBe(404)
  })

  it('answers 500 when an action returns something other than an envelope', async () => {
    const { app, logger } = makeApp()
    const r = await post(app, { service: 'echo', action: 'nothing' })
    expect(r.body).toEqual({ returnCode: 500, returnMessage: 'An unexpected error occurred.', returnData: null, extraData: null })
    expect(logger.lines.some((l) => l.level === 'error' && /did not return an envelope/.test(l.message))).toBe(true)
  })

  it('exposes the serving app through moonlight() inside an action', async () => {
    const { app } = makeApp()
    class WhoService extends Service {
      async whoAction() {
        return response(0, moonlight() === app ? 'same app' : 'other app')
      }
    }
    app.switch('v1', { who: WhoService })
    createApp({ root: tempRoot().root }) // a later app must not be picked up inside the request
    expect((await post(app, { service: 'who', action: 'who' })).body.returnMessage).toBe('same app')
  })
})

describe('overview page and log redaction', () => {
  it('serves an HTML overview to browsers', async () => {
    const { app } = makeApp()
    const res = await app.fetch(new Request('http://localhost/api/v1/', { headers: { accept: 'text/html,application/xhtml+xml' } }))
    expect(res.headers.get('content-type')).toMatch(/text\/html/)
    expect(await res.text()).toContain('<code>echo</code>')
  })

  it('masks [logging] HIDE_IN_LOGS keys in log context at any depth', async () => {
    const { stderrLogger } = await import('../../src/moonlight/core/log.js')
    const chunks: string[] = []
    const write = process.stderr.write
    process.stderr.write = ((c: string) => (chunks.push(String(c)), true)) as typeof process.stderr.write
    try {
      stderrLogger('t', ['password', 'Secret']).info('job', { payload: { email: 'a@b.c', password: 'hunter2', secret: 'x', PIN: '1' } })
    } finally {
      process.stderr.write = write
    }
    expect(chunks.join('')).toContain('"email":"a@b.c"')
    expect(chunks.join('')).not.toMatch(/hunter2|"secret":"x"/)
    expect(chunks.join('')).toContain('"PIN":"1"')
  })
})

describe('bodies sent as forms', () => {
  it('reads urlencoded fields, and JSON that curl -d labelled as a form', async () => {
    const { app } = makeApp()
    const form = await app.fetch(new Request('http://localhost/api/v1/', {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'service=echo&action=echo&x=1',
    }))
    expect((await form.json() as any).returnData).toEqual({ service: 'echo', action: 'echo', x: '1' })
    const curl = await app.fetch(new Request('http://localhost/api/v1/', {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '{"service":"echo","action":"echo","n":2}',
    }))
    expect((await curl.json() as any).returnData).toEqual({ service: 'echo', action: 'echo', n: 2 })
  })
})
