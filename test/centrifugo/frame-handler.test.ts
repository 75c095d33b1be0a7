/**
 * MoonlightFrameHandler and RealtimeGateway in process (no rr): frames give the HTTP envelope, and
 * a publish that cannot reach rr never fails the request that caused it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createDeskflowApp } from '../../app/app.js'
import { createApp, response, Service, type Moonlight } from '../../src/moonlight/index.js'
import { MoonlightFrameHandler, realtime, realtimeConfig, serviceChannel } from '../../src/moonlight/realtime/index.js'
import { freePort } from '../helpers/rr.js'
import { tempProject, type TempProject } from '../deskflow/project.js'

let project: TempProject
let app: Moonlight
let frames: MoonlightFrameHandler

async function http(body: unknown, headers: Record<string, string> = {}) {
  const res = await app.fetch(
    new Request('http://localhost/api/v1/', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }),
  )
  return res.json()
}

beforeAll(() => {
  project = tempProject()
  app = createDeskflowApp({ root: project.root })
  frames = new MoonlightFrameHandler(app)
})

afterAll(async () => {
  await app.close()
  project.cleanup()
})

describe('MoonlightFrameHandler', () => {
  it('dispatches through the registry: same envelope as HTTP, params from data or flat', async () => {
    const viaHttp = await http({ service: 'task', action: 'list', status: 'open' })
    expect(viaHttp.returnCode).toBe(0)
    expect(await frames.handle({ service: 'task', action: 'list', data: { status: 'open' } })).toEqual(viaHttp)
    expect(await frames.handle({ service: 'task', action: 'list', status: 'open' })).toEqual(viaHttp)
  })

  it('missing or blank service/action, non-object frames and a bad switch are 400 envelopes', async () => {
    for (const frame of [{}, { service: 'task' }, { action: 'list' }, { service: ' ', action: 'list' }, null, 'task.list', [1]]) {
      const env = await frames.handle(frame)
      expect(env).toMatchObject({ returnCode: 400, returnData: null, extraData: null })
      expect(env.returnMessage).toMatch(/service|action|JSON object/)
    }
    expect((await frames.handle({ service: 'task', action: 'list', switch: 3 })).returnMessage).toMatch(/"switch" must be an API version/)
  })

  it('action failures come back as envelopes, exactly as over HTTP', async () => {
    for (const frame of [
      { service: 'ghost', action: 'list' },
      { service: 'task', action: 'create', title: 'No auth' },
      { service: 'project', action: 'retrieve', id: 'x' },
      { service: 'task', action: 'list', switch: 'v9' },
    ]) {
      const env = await frames.handle(frame)
      expect(env.returnCode).toBeGreaterThanOrEqual(400)
      if (frame.switch === undefined) expect(env).toEqual(await http(frame))
    }
  })
})

describe('MoonlightFrameHandler with an action that throws', () => {
  class Boom extends Service {
    async explodeAction() {
      throw new Error('database on fire')
    }
    async okAction() {
      return response(0, 'fine')
    }
  }

  it('an unexpected exception is a 500 envelope (generic outside debug), and the next frame works', async () => {
    const boomApp = createApp({ root: project.root, switches: { v1: { boom: Boom } }, debug: false, logger: { info() {}, warn() {}, error() {} } })
    const h = new MoonlightFrameHandler(boomApp)
    const env = await h.handle({ service: 'boom', action: 'explode' })
    expect(env.returnCode).toBe(500)
    expect(env.returnMessage).not.toContain('database on fire')
    expect(await h.handle({ service: 'boom', action: 'ok' })).toMatchObject({ returnCode: 0, returnMessage: 'fine' })
    await boomApp.close()
  })
})

describe('[realtime] settings', () => {
  it('defaults, the prefix rule, and channel names', () => {
    project.setSection('realtime', {})
    expect(realtimeConfig(app.settings)).toMatchObject({ enabled: false, channelPrefix: 'moonlight', allowAnonymous: true, websocketUrl: null })
    expect(serviceChannel(app.settings, 'tasks')).toBe('moonlight:tasks')
    project.setSection('realtime', { ENABLED: 'yes', CHANNEL_PREFIX: 'desk' })
    expect(realtimeConfig(app.settings).enabled).toBe(true)
    expect(serviceChannel(app.settings, 'tasks')).toBe('desk:tasks')
    expect(() => serviceChannel(app.settings, 'a:b')).toThrow(/without ':'/)
    project.setSection('realtime', { CHANNEL_PREFIX: 'a:b' })
    expect(() => realtimeConfig(app.settings)).toThrow(/cannot be a Centrifugo namespace/)
  })
})

describe('RealtimeGateway', () => {
  it('is a no-op while [realtime] ENABLED is off', async () => {
    project.setSection('realtime', { ENABLED: 'false' })
    expect(await realtime(app).publish('tasks', { x: 1 })).toBeNull()
  })

  it('a publish that cannot reach rr is logged and the task is still created', async () => {
    const port = await freePort()
    project.setSection('realtime', { ENABLED: 'true', RPC: `tcp://127.0.0.1:${port}` })
    const login = await http({ service: 'member', action: 'login', email: 'alex@northwind.studio', password: 'secret' })
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      const created = await http({ service: 'task', action: 'create', title: 'Offline publish' }, { authorization: `Bearer ${login.returnData.token}` })
      expect(created).toMatchObject({ returnCode: 0, returnMessage: 'Task created' })
      expect(await realtime(app).publish('tasks', { x: 1 })).toBeNull()
      const logged = stderr.mock.calls.map((c) => String(c[0])).join('')
      expect(logged).toMatch(new RegExp(`realtime publish to moonlight:tasks failed: cannot call centrifuge.Publish on rr at tcp://127.0.0.1:${port}`))
    } finally {
      stderr.mockRestore()
    }
    project.setSection('realtime', { ENABLED: 'false' })
  })
})
