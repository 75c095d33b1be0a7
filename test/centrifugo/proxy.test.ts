/**
 * SDK level, real parts: Centrifugo v6 proxies every event over gRPC to rr's centrifuge plugin,
 * which hands it to test/fixtures/centrifugo/proxy-worker.ts through our centrifugoHandler. Clients
 * are the official centrifuge-js over `ws`.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Centrifuge } from 'centrifuge'
import { nodeCommand } from '../helpers/rr.js'
import { RpcClient, informer } from '../../src/rpc/index.js'
import { startStack, type Stack } from './stack.js'
import { nextEvent, readEvents, waitForEvent } from './wait.js'

let stack: Stack
let dir: string
let events: string
const clients: Centrifuge[] = []

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pionia-cf-events-'))
  events = join(dir, 'events.jsonl')
  stack = await startStack({ command: nodeCommand('test/fixtures/centrifugo/proxy-worker.ts'), env: { EVENTS_FILE: events } })
})

afterAll(async () => {
  for (const c of clients) c.disconnect()
  await stack?.stop()
  rmSync(dir, { recursive: true, force: true })
})

/** A connected client for `token` (fails the test if it does not connect). */
async function connected(token: string): Promise<Centrifuge> {
  const c = stack.client({ data: { token } })
  clients.push(c)
  const ok = nextEvent(c, 'connected')
  c.connect()
  await ok
  return c
}

async function workerPids(): Promise<number[]> {
  const rpc = new RpcClient(stack.rpcAddress)
  try {
    return (await informer(rpc).workers('centrifuge')).map((w) => w.pid).sort()
  } finally {
    await rpc.close()
  }
}

describe('connect proxy', () => {
  test('a good token is accepted: the handler names the user and its data reaches the client', async () => {
    const c = stack.client({ data: { token: 'alice-token' }, name: 'pionia-test' })
    clients.push(c)
    const ok = nextEvent(c, 'connected')
    c.connect()
    const ctx = await ok
    expect(ctx.data).toEqual({ welcome: 'alice' })
    const seen = await waitForEvent(events, (e) => e.type === 'connect' && e.client === ctx.client)
    expect(seen).toMatchObject({ transport: 'websocket', name: 'pionia-test', token: 'alice-token' })
    const who = await c.rpc('whoami', {})
    expect(who.data.user).toBe('alice')
  })

  test('a bad token is refused with the disconnect the handler chose, and the client stays down', async () => {
    const c = stack.client({ data: { token: 'wrong' } })
    clients.push(c)
    const down = nextEvent(c, 'disconnected')
    c.connect()
    const ctx = await down
    expect(ctx).toMatchObject({ code: 4501, reason: 'unauthorized' })
    expect(c.state).toBe('disconnected')
  })

  test('a connect handler that throws yields a temporary internal error; the worker keeps its pid', async () => {
    const before = await workerPids()
    const c = stack.client({ data: { token: 'throw' } })
    clients.push(c)
    const failed = nextEvent(c, 'error', (ctx) => ctx.type === 'connect')
    c.connect()
    const ctx = await failed
    expect(ctx.error).toMatchObject({ code: 100, message: 'internal server error', temporary: true })
    c.disconnect()
    expect(await workerPids()).toEqual(before)
    await stack.rr.waitForOutput(/connect handler failed: Error: connect handler exploded/)
  })
})

describe('subscribe and publish proxies', () => {
  test('subscribe allowed: the handler sees user, channel and the subscription data', async () => {
    const c = await connected('alice-token')
    const sub = c.newSubscription('chat:lobby', { data: { why: 'test' } })
    const ok = nextEvent(sub, 'subscribed')
    sub.subscribe()
    await ok
    const seen = await waitForEvent(events, (e) => e.type === 'subscribe' && e.channel === 'chat:lobby')
    expect(seen).toMatchObject({ user: 'alice', data: { why: 'test' } })
    sub.unsubscribe()
  })

  test('subscribe denied: the error code and message from the handler reach the client', async () => {
    const c = await connected('alice-token')
    const sub = c.newSubscription('secret-room')
    const refused = nextEvent(sub, 'unsubscribed')
    sub.subscribe()
    // A non-temporary subscribe error ends the subscription with the error's code and message.
    expect(await refused).toMatchObject({ code: 403, reason: 'permission denied: secret-room' })
    expect(sub.state).toBe('unsubscribed')
  })

  test('a client publication goes through the publish proxy, which may rewrite it', async () => {
    const alice = await connected('alice-token')
    const bob = await connected('bob-token')
    const sub = alice.newSubscription('chat:room1')
    const ok = nextEvent(sub, 'subscribed')
    sub.subscribe()
    await ok
    const got = nextEvent(sub, 'publication')
    await bob.publish('chat:room1', { text: 'hi' })
    const pub = await got
    expect(pub.data).toEqual({ text: 'hi', stamped_by: 'bob' })
    await expect(bob.publish('chat:room1', { text: 'x', forbidden: true })).rejects.toMatchObject({
      code: 403,
      message: 'this text may not be published',
    })
    sub.unsubscribe()
  })
})

describe('rpc proxy', () => {
  test('params in, result data out, with the connection user', async () => {
    const c = await connected('bob-token')
    const res = await c.rpc('whoami', { n: 42 })
    expect(res.data).toMatchObject({ user: 'bob', params: { n: 42 } })
    expect(await workerPids()).toContain(res.data.pid)
  })

  test('ProxyError, returned errors and ProxyDisconnect map to the client', async () => {
    const c = await connected('bob-token')
    await expect(c.rpc('refuse', {})).rejects.toMatchObject({ code: 418, message: "I'm a teapot" })
    await expect(c.rpc('nope', {})).rejects.toMatchObject({ code: 404, message: 'unknown method nope' })
    const kicked = nextEvent(c, 'connecting', (ctx) => ctx.code === 4000)
    c.rpc('kick', {}).catch(() => {})
    expect((await kicked).reason).toBe('kicked by rpc')
  })

  test('a throwing handler yields an error reply and the same worker answers the next call', async () => {
    const c = await connected('bob-token')
    const before = await workerPids()
    await expect(c.rpc('throw', {})).rejects.toMatchObject({ code: 100, message: 'internal server error' })
    const after = await c.rpc('whoami', {})
    expect(await workerPids()).toEqual(before)
    expect(before).toContain(after.data.pid)
  })

  test('a streamed reply is refused with an error that says why', async () => {
    const c = await connected('bob-token')
    await expect(c.rpc('stream', {})).rejects.toMatchObject({ code: 100 })
    await stack.rr.waitForOutput(/does not support streaming replies/)
    expect((await c.rpc('whoami', {})).data.user).toBe('bob')
  })
})

describe('refresh proxies', () => {
  test('an expiring connection is refreshed through the refresh proxy and stays connected', async () => {
    const c = await connected('expiring')
    const seen = await waitForEvent(events, (e) => e.type === 'refresh' && e.user === 'eve')
    expect(seen.client).toBeTruthy()
    expect(c.state).toBe('connected')
    expect((await c.rpc('whoami', {})).data.user).toBe('eve')
  })

  test('an expiring subscription is refreshed through the sub_refresh proxy', async () => {
    const c = await connected('alice-token')
    const sub = c.newSubscription('chat:room:expiring')
    const ok = nextEvent(sub, 'subscribed')
    sub.subscribe()
    await ok
    const seen = await waitForEvent(events, (e) => e.type === 'subrefresh' && e.channel === 'chat:room:expiring')
    expect(seen.user).toBe('alice')
    expect(sub.state).toBe('subscribed')
  })
})

test('every event reached a worker of rr\'s centrifuge pool', async () => {
  const pids = new Set(await workerPids())
  const logged = readEvents(events)
  expect(logged.length).toBeGreaterThan(5)
  for (const e of logged) expect(pids.has(e.pid)).toBe(true)
})
