import { describe, expect, it } from 'vitest'
import { createHmac } from 'node:crypto'
import {
  createApp, Service, response, jwtAuthentication, jwtEncode, jwtVerify, contextUser, type AuthBackend, type Middleware,
} from '../../src/moonlight/index.js'
import { post, recordingLogger, tempRoot } from './helpers.js'

const SECRET = 's3cret-for-tests-0b7e4d29c6a1f853'

class DocsService extends Service {
  static override auth = { authenticated: true, except: ['read_public'] }
  static override actions = {
    publish: { can: ['docs:write', 'docs:publish'] },
    review: { canAny: ['docs:review', 'docs:admin'] },
  }
  async readPublicAction() {
    return response(0, 'public')
  }
  async readAction() {
    return response(0, 'read', this.auth()?.user)
  }
  async publishAction() {
    return response(0, 'published')
  }
  async reviewAction() {
    return response(0, 'reviewed')
  }
  async extraAction() {
    this.can('docs:extra', 'No extras for you')
    return response(0, 'extra', { team: this.getAuthExtraByKey('team'), has: this.authExtraHas('team') })
  }
}

function makeApp(auth: AuthBackend[] = [jwtAuthentication()], middleware: Middleware[] = []) {
  const { root } = tempRoot('', `JWT_SECRET=${SECRET}\n`)
  return createApp({ root, logger: recordingLogger(), auth, middleware, switches: { v1: { docs: DocsService } } })
}

const bearer = (claims: Record<string, unknown>, secret = SECRET) => ({ authorization: `Bearer ${jwtEncode(claims, secret, 60)}` })

describe('declarative auth and permission checks', () => {
  it('requires authentication class-wide except for listed actions', async () => {
    const app = makeApp()
    expect((await post(app, { service: 'docs', action: 'read_public' })).body.returnCode).toBe(0)
    const anon = await post(app, { service: 'docs', action: 'read' })
    expect(anon.status).toBe(401)
    expect(anon.body.returnMessage).toBe('You must be authenticated to access this resource')
    const ok = await post(app, { service: 'docs', action: 'read' }, { headers: bearer({ sub: 7, email: 'alex@northwind.studio' }) })
    expect(ok.body.returnData).toEqual({ id: 7, username: 'alex@northwind.studio', email: 'alex@northwind.studio' })
  })

  it('can: needs every permission; a user without any permissions gets the "authorised" message', async () => {
    const app = makeApp()
    const none = await post(app, { service: 'docs', action: 'publish' }, { headers: bearer({ sub: 1 }) })
    expect(none.status).toBe(403)
    expect(none.body.returnMessage).toBe('You must be authorised to access this resource')
    const some = await post(app, { service: 'docs', action: 'publish' }, { headers: bearer({ sub: 1, permissions: ['docs:write'] }) })
    expect(some.body).toMatchObject({ returnCode: 403, returnMessage: 'You do not have access to this resource' })
    const all = await post(app, { service: 'docs', action: 'publish' }, { headers: bearer({ sub: 1, perms: ['docs:write', 'docs:publish'] }) })
    expect(all.body.returnMessage).toBe('published')
  })

  it('canAny: one permission is enough; anonymous users get 401 before 403', async () => {
    const app = makeApp()
    expect((await post(app, { service: 'docs', action: 'review' })).status).toBe(401)
    expect((await post(app, { service: 'docs', action: 'review' }, { headers: bearer({ sub: 1, permissions: ['docs:admin'] }) })).body.returnMessage).toBe('reviewed')
  })

  it('imperative can() with a custom message; remaining claims land in authExtra', async () => {
    const app = makeApp()
    const denied = await post(app, { service: 'docs', action: 'extra' }, { headers: bearer({ sub: 1, permissions: ['x'] }) })
    expect(denied.body.returnMessage).toBe('No extras for you')
    const ok = await post(app, { service: 'docs', action: 'extra' }, { headers: bearer({ sub: 1, permissions: ['docs:extra'], team: 'design' }) })
    expect(ok.body.returnData).toEqual({ team: 'design', has: true })
  })

  it('treats bad tokens as anonymous: wrong secret, expired, alg none, garbage', async () => {
    const app = makeApp()
    const expired = jwtEncode({ sub: 1, exp: Math.floor(Date.now() / 1000) - 5 }, SECRET)
    const head = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')
    const body = Buffer.from(JSON.stringify({ sub: 1 })).toString('base64url')
    for (const token of [jwtEncode({ sub: 1 }, 'other-secret-1a2b3c4d5e6f7a8b9c0d1e2f'), expired, `${head}.${body}.`, 'not-a-jwt', `${head}.${body}.${createHmac('sha256', SECRET).update('x').digest('base64url')}`]) {
      const r = await post(app, { service: 'docs', action: 'read' }, { headers: { authorization: `Bearer ${token}` } })
      expect(r.status).toBe(401)
    }
    expect(jwtVerify(expired, SECRET)).toBeNull()
    expect(jwtVerify(jwtEncode({ sub: 2 }, SECRET), SECRET)).toMatchObject({ sub: 2 })
  })

  it('runs the backend chain in order, honours limitServices, and survives a throwing backend', async () => {
    const calls: string[] = []
    const app = makeApp([
      { name: 'broken', authenticate: () => { calls.push('broken'); throw new Error('backend down') } },
      { name: 'other-service', limitServices: ['billing'], authenticate: () => { calls.push('limited'); return contextUser('x') } },
      { name: 'demo', authenticate: ({ request }) => { calls.push('demo'); return request.headers.get('authorization') === 'Bearer demo-token' ? contextUser({ id: 'demo' }, ['read', 'write']) : null } },
    ])
    const r = await post(app, { service: 'docs', action: 'read' }, { headers: { authorization: 'Bearer demo-token' } })
    expect(r.body).toMatchObject({ returnCode: 0, returnData: { id: 'demo' } })
    expect(calls).toEqual(['broken', 'demo'])
  })
})

describe('middleware', () => {
  it('runs onRequest before auth and onResponse last; limitServicesTo restricts it; onRequest may answer', async () => {
    const seen: string[] = []
    const app = makeApp([jwtAuthentication()], [
      {
        name: 'trace',
        onRequest: (info) => { seen.push(`req ${info.url.pathname}`) },
        onResponse: (res) => { res.headers.set('X-Trace', 'yes') },
      },
      {
        name: 'docs-only',
        limitServicesTo: ['docs'],
        onRequest: (info) => { seen.push(`docs-only ${info.service}.${info.action}`) },
        onResponse: (_res, info) => { seen.push(`after ${info.call?.service}.${info.call?.action} user=${JSON.stringify(info.call?.user?.user ?? null)}`) },
      },
      {
        name: 'gate',
        onRequest: (info) => (info.request.headers.get('x-block') ? new Response(JSON.stringify({ blocked: true }), { status: 429 }) : undefined),
      },
    ])
    const ping = await app.fetch(new Request('http://localhost/api/v1/ping'))
    expect(ping.headers.get('x-trace')).toBe('yes')
    await post(app, { service: 'docs', action: 'read_public' })
    expect(seen).toEqual(['req /api/v1/ping', 'req /api/v1/', 'docs-only docs.read_public', 'after docs.read_public user=null'])
    const blocked = await app.fetch(new Request('http://localhost/api/v1/', { method: 'POST', headers: { 'x-block': '1' }, body: '{"service":"docs","action":"read"}' }))
    expect(blocked.status).toBe(429)
    expect(await blocked.json()).toEqual({ blocked: true })
  })
})

describe('dispatch() with authenticate: true (adapters with their own Authorization header, e.g. gRPC metadata)', () => {
  const req = (headers: Record<string, string> = {}) => new Request('http://localhost/api/v1/', { method: 'POST', headers })

  it('runs the auth chain on the request: a valid token is the caller, none or a forged one is anonymous', async () => {
    const app = makeApp()
    const ok = await app.dispatch({ service: 'docs', action: 'read', request: req(bearer({ sub: 9, email: 'sam@northwind.studio' })), authenticate: true })
    expect(ok.returnData).toEqual({ id: 9, username: 'sam@northwind.studio', email: 'sam@northwind.studio' })
    await expect(app.dispatch({ service: 'docs', action: 'read', request: req(), authenticate: true })).rejects.toThrow('You must be authenticated')
    const forged = bearer({ sub: 9 }, 'another-secret-of-enough-length-123')
    await expect(app.dispatch({ service: 'docs', action: 'read', request: req(forged), authenticate: true })).rejects.toThrow('You must be authenticated')
  })

  it('without authenticate the header is not read (jobs and frames bring their user)', async () => {
    const app = makeApp()
    await expect(app.dispatch({ service: 'docs', action: 'read', request: req(bearer({ sub: 9 })) })).rejects.toThrow('You must be authenticated')
  })
})
