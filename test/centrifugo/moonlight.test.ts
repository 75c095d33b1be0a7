/**
 * Moonlight over realtime, end to end: the repository's worker.ts (DeskFlow) runs under the real rr
 * with both the http and the centrifuge plugin, next to the real Centrifugo. RPC frames over
 * WebSocket must answer with exactly the envelope HTTP gives; task.create over HTTP must reach a
 * subscribed client on moonlight:tasks.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { jwtEncode } from '../../src/moonlight/index.js'
import type { Centrifuge } from 'centrifuge'
import { nodeCommand, processesMatching } from '../helpers/rr.js'
import { tempProject, type TempProject } from '../deskflow/project.js'
import { call, type Send } from '../deskflow/walkthrough.js'
import { repoRrConfig, startStack, type Stack } from './stack.js'
import { nextEvent } from './wait.js'

let project: TempProject
let stack: Stack
let send: Send
let token: string
const marker = `--realtime-test=${randomBytes(6).toString('hex')}`
const clients: Centrifuge[] = []

beforeAll(async () => {
  project = tempProject()
  project.setSection('realtime', { ENABLED: 'true', CHANNEL_PREFIX: 'moonlight' })
  stack = await startStack({ command: nodeCommand('worker.ts', marker), http: true, cwd: project.root, ...(await repoRrConfig()) })
  send = (path, init) => fetch(`http://127.0.0.1:${stack.ports.http}${path}`, init)
  const login = await call(send, { service: 'member', action: 'login', email: 'alex@northwind.studio', password: 'secret' })
  token = login.body.returnData.token
  expect(token).toBeTruthy()
})

afterAll(async () => {
  for (const c of clients) c.disconnect()
  await stack?.stop()
  project?.cleanup()
})

async function connect(data?: object): Promise<Centrifuge> {
  const c = stack.client(data ? { data } : {})
  clients.push(c)
  const ok = nextEvent(c, 'connected')
  c.connect()
  await ok
  return c
}

/** The envelope an RPC frame gets over WebSocket. */
async function rpc(c: Centrifuge, frame: unknown, method = 'moonlight'): Promise<any> {
  return (await c.rpc(method, frame)).data
}

describe('connect', () => {
  test('a valid DeskFlow JWT (the one HTTP login gives) connects as that member', async () => {
    const c = stack.client({ data: { token } })
    clients.push(c)
    const ok = nextEvent(c, 'connected')
    c.connect()
    await ok
    // The member is known to actions: task.create needs a logged-in member.
    const created = await rpc(c, { service: 'task', action: 'create', data: { title: 'Created over WebSocket' } })
    expect(created).toMatchObject({ returnCode: 0, returnMessage: 'Task created' })
    expect(created.returnData.task).toMatchObject({ title: 'Created over WebSocket', assignee: 'alex@northwind.studio' })
  })

  test('a forged or expired token is refused with 4501 and no reconnect', async () => {
    const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA')
    for (const bad of [forged, 'not.a.jwt']) {
      const c = stack.client({ data: { token: bad } })
      clients.push(c)
      const down = nextEvent(c, 'disconnected')
      c.connect()
      expect(await down).toMatchObject({ code: 4501, reason: 'unauthorized' })
    }
  })

  test('no token: an anonymous connection that cannot create tasks (401 envelope, as over HTTP)', async () => {
    const c = await connect()
    const ws = await rpc(c, { service: 'task', action: 'create', title: 'Anonymous' })
    const http = await call(send, { service: 'task', action: 'create', title: 'Anonymous' })
    expect(ws).toEqual(http.body)
    expect(ws.returnCode).toBe(401)
  })
})

describe('RPC frames', () => {
  test('{service:"task", action:"list"} returns the same envelope as HTTP', async () => {
    const c = await connect({ token })
    const ws = await rpc(c, { service: 'task', action: 'list' })
    const http = await call(send, { service: 'task', action: 'list' })
    expect(ws).toEqual(http.body)
    expect(Object.keys(ws)).toEqual(['returnCode', 'returnMessage', 'returnData', 'extraData'])
    expect(ws.returnData.tasks.length).toBeGreaterThanOrEqual(3)
  })

  test('params from data or flat, and the service.action method form, all dispatch the same', async () => {
    const c = await connect()
    const http = await call(send, { service: 'task', action: 'list', status: 'open' })
    expect(await rpc(c, { service: 'task', action: 'list', data: { status: 'open' } })).toEqual(http.body)
    expect(await rpc(c, { service: 'task', action: 'list', status: 'open' })).toEqual(http.body)
    expect(await rpc(c, { status: 'open' }, 'task.list')).toEqual(http.body)
  })

  test('a frame without service or action is a 400 envelope that shows the expected shape', async () => {
    const c = await connect()
    const noAction = await rpc(c, { service: 'task' })
    expect(noAction).toMatchObject({ returnCode: 400, returnData: null })
    expect(noAction.returnMessage).toMatch(/no action.*"service":"task","action":"list"/)
    expect((await rpc(c, {})).returnMessage).toMatch(/no service and action/)
    expect((await rpc(c, [1, 2])).returnCode).toBe(400)
  })

  test('failures are envelopes like over HTTP (unknown service 404, validation 422), and the workers live on', async () => {
    const c = await connect({ token })
    const before = processesMatching(marker).sort()
    for (const frame of [
      { service: 'nope', action: 'list' },
      { service: 'task', action: 'nope' },
      { service: 'task', action: 'create', title: 'Hi' },
      { service: 'project', action: 'retrieve', id: 'not-a-number' },
    ]) {
      const ws = await rpc(c, frame)
      const http = await call(send, frame, { authorization: `Bearer ${token}` })
      expect(ws).toEqual(http.body)
      expect(ws.returnCode).toBeGreaterThanOrEqual(400)
    }
    expect((await rpc(c, { service: 'task', action: 'list' })).returnCode).toBe(0)
    expect(processesMatching(marker).sort()).toEqual(before)
  })
})

describe('channels', () => {
  test('moonlight:* may be subscribed, other channels not, and clients cannot publish', async () => {
    const c = await connect()
    const ok = c.newSubscription('moonlight:tasks')
    const subscribed = nextEvent(ok, 'subscribed')
    ok.subscribe()
    await subscribed
    const other = c.newSubscription('chat:general')
    const refused = nextEvent(other, 'unsubscribed')
    other.subscribe()
    expect(await refused).toMatchObject({ code: 403 })
    expect((await refused).reason).toMatch(/moonlight:\* channels only/)
    await expect(ok.publish({ fake: true })).rejects.toMatchObject({ code: 403 })
  })

  test('a task created over HTTP reaches a subscribed client on moonlight:tasks', async () => {
    const c = await connect()
    const sub = c.newSubscription('moonlight:tasks')
    const subscribed = nextEvent(sub, 'subscribed')
    sub.subscribe()
    await subscribed
    const title = `Live ${randomBytes(3).toString('hex')}`
    const got = nextEvent(sub, 'publication', (ctx) => ctx.data?.task?.title === title)
    const created = await call(send, { service: 'task', action: 'create', title }, { authorization: `Bearer ${token}` })
    expect(created.body.returnCode).toBe(0)
    const pub = await got
    expect(pub.data).toEqual({ event: 'task.created', task: created.body.returnData.task })
  })
})

test('the commented centrifuge block of the default .rr.yaml (the one this file runs) names both addresses', async () => {
  const { centrifuge } = await repoRrConfig()
  expect(centrifuge.proxy_address).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/)
  expect(centrifuge.grpc_api_address).toMatch(/^(tcp:\/\/)?127\.0\.0\.1:\d+$/)
  expect(centrifuge.pool.num_workers).toBeGreaterThan(0)
})

describe('token lifetime and transport', () => {
  test('the JWT may come as an Authorization header (Centrifugo headers emulation)', async () => {
    const c = stack.client({ headers: { Authorization: `Bearer ${token}` } })
    clients.push(c)
    const ok = nextEvent(c, 'connected')
    c.connect()
    await ok
    const created = await rpc(c, { service: 'task', action: 'create', title: 'Via header' })
    expect(created.returnCode).toBe(0)
  })

  test('a token that expires while connected: the refresh proxy ends the connection and the client cannot come back with it', async () => {
    const secret = /^JWT_SECRET=(.*)$/m.exec(readFileSync(join(project.root, 'environment', '.env'), 'utf8'))![1]!
    const shortLived = jwtEncode({ sub: 1, email: 'alex@northwind.studio' }, secret, 2)
    const c = stack.client({ data: { token: shortLived } })
    clients.push(c)
    const ok = nextEvent(c, 'connected')
    const expired = nextEvent(c, 'connecting', (ctx) => ctx.code === 3005, 30_000)
    const refused = nextEvent(c, 'disconnected', () => true, 30_000)
    c.connect()
    await ok
    expect((await rpc(c, { service: 'task', action: 'create', title: 'Before expiry' })).returnCode).toBe(0)
    await expired
    expect(await refused).toMatchObject({ code: 4501, reason: 'unauthorized' })
  })
})
