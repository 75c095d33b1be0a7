/**
 * The server API over rr RPC (service `centrifuge`, protobuf), against the real Centrifugo: every
 * call made here travels test → rr's rpc.listen → rr's gRPC client → Centrifugo's gRPC API, and its
 * effect is observed on real centrifuge-js clients.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Centrifuge } from 'centrifuge'
import { nodeCommand } from '../helpers/rr.js'
import { RpcClient } from '../../src/rpc/index.js'
import { CentrifugoApi, CentrifugoApiError, CentrifugoUnsupportedError } from '../../src/centrifugo/index.js'
import { startStack, type Stack } from './stack.js'
import { nextEvent } from './wait.js'

let stack: Stack
let rpc: RpcClient
let api: CentrifugoApi
const clients: Centrifuge[] = []

beforeAll(async () => {
  stack = await startStack({ command: nodeCommand('test/fixtures/centrifugo/proxy-worker.ts') })
  rpc = new RpcClient(stack.rpcAddress)
  api = new CentrifugoApi(rpc)
})

afterAll(async () => {
  for (const c of clients) c.disconnect()
  await rpc?.close()
  await stack?.stop()
})

async function connected(token: string): Promise<Centrifuge> {
  const c = stack.client({ data: { token } })
  clients.push(c)
  const ok = nextEvent(c, 'connected')
  c.connect()
  await ok
  return c
}

async function subscribed(c: Centrifuge, channel: string) {
  const sub = c.newSubscription(channel)
  const ok = nextEvent(sub, 'subscribed')
  sub.subscribe()
  await ok
  return sub
}

describe('publishing', () => {
  test('publish reaches a subscribed client and reports its history position', async () => {
    const c = await connected('alice-token')
    const sub = await subscribed(c, 'chat:news')
    const got = nextEvent(sub, 'publication')
    const pos = await api.publish('chat:news', { headline: 'server says hi' }, { tags: { kind: 'news' } })
    const pub = await got
    expect(pub.data).toEqual({ headline: 'server says hi' })
    expect(pub.tags).toEqual({ kind: 'news' })
    expect(pos.offset).toBe(1)
    expect(pos.epoch).not.toBe('')
    const history = await api.history('chat:news', { limit: 10 })
    expect(history.publications.map((p) => JSON.parse(p.data.toString()))).toEqual([{ headline: 'server says hi' }])
    expect(history.offset).toBe(1)
  })

  test('a worker publishes through the same API (rr RPC from inside a centrifuge worker)', async () => {
    const c = await connected('alice-token')
    const sub = await subscribed(c, 'chat:from-worker')
    const got = nextEvent(sub, 'publication')
    const res = await c.rpc('publish', { channel: 'chat:from-worker', data: { n: 1 } })
    expect((await got).data).toEqual({ n: 1 })
    expect(res.data.offset).toBe(1)
  })

  test('broadcast reaches every channel; a bad channel fails alone', async () => {
    const c = await connected('alice-token')
    const a = await subscribed(c, 'chat:a')
    const b = await subscribed(c, 'chat:b')
    const gotA = nextEvent(a, 'publication')
    const gotB = nextEvent(b, 'publication')
    const results = await api.broadcast(['chat:a', 'chat:b', 'nowhere:x'], { all: true })
    expect((await gotA).data).toEqual({ all: true })
    expect((await gotB).data).toEqual({ all: true })
    expect(results[0]!.result?.offset).toBe(1)
    expect(results[1]!.result?.offset).toBe(1)
    expect(results[2]!.error).toBeInstanceOf(CentrifugoApiError)
    expect(results[2]!.error?.code).toBe(102)
  })

  test('an API error (unknown namespace) is thrown with Centrifugo\'s code and message', async () => {
    const err = await api.publish('nowhere:x', { a: 1 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CentrifugoApiError)
    expect(err).toMatchObject({ method: 'Publish', code: 102, apiMessage: 'unknown channel' })
  })
})

describe('connections and subscriptions', () => {
  test('presence, presence stats and channels list the connected user', async () => {
    const c = await connected('bob-token')
    await subscribed(c, 'chat:presence')
    const presence = await api.presence('chat:presence')
    expect(Object.values(presence).map((p) => p.user)).toEqual(['bob'])
    expect(await api.presenceStats('chat:presence')).toEqual({ num_clients: 1, num_users: 1 })
    const channels = await api.channels('chat:pres*')
    expect(channels).toEqual({ 'chat:presence': { num_clients: 1 } })
  })

  test('server-side subscribe and unsubscribe act on the user\'s live connection', async () => {
    const c = await connected('alice-token')
    const on = nextEvent(c, 'subscribed', (ctx) => ctx.channel === 'chat:server-side')
    await api.subscribe('alice', 'chat:server-side', { data: { reason: 'welcome' } })
    expect((await on).data).toEqual({ reason: 'welcome' })
    const pub = nextEvent(c, 'publication', (ctx) => ctx.channel === 'chat:server-side')
    await api.publish('chat:server-side', { pushed: true })
    expect((await pub).data).toEqual({ pushed: true })
    const off = nextEvent(c, 'unsubscribed', (ctx) => ctx.channel === 'chat:server-side')
    await api.unsubscribe('alice', 'chat:server-side')
    await off
  })

  test('disconnect closes the user\'s connection with the given code and reason', async () => {
    const c = await connected('bob-token')
    const down = nextEvent(c, 'disconnected')
    await api.disconnect('bob', { code: 4503, reason: 'maintenance' })
    expect(await down).toMatchObject({ code: 4503, reason: 'maintenance' })
  })

  test('disconnect without a code uses Centrifugo\'s force disconnect (3503)', async () => {
    const c = await connected('bob-token')
    const down = nextEvent(c, 'disconnected')
    await api.disconnect('bob')
    expect(await down).toMatchObject({ code: 3503, reason: 'force disconnect' })
  })

  test('refresh with expired closes the connection as expired (3005) and the client reconnects', async () => {
    const c = await connected('expiring')
    const again = nextEvent(c, 'connecting', (ctx) => ctx.code === 3005)
    const reconnected = nextEvent(c, 'connected')
    await api.refresh('eve', { expired: true })
    expect(await again).toMatchObject({ code: 3005 })
    expect(await reconnected).toMatchObject({ client: expect.any(String) })
    expect(c.state).toBe('connected')
  })

  test('block/unblock user reach Centrifugo, which (OSS) answers Unimplemented; the SDK says what to do', async () => {
    for (const call of [() => api.blockUser('mallory'), () => api.unblockUser('mallory')]) {
      const err = await call().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(CentrifugoUnsupportedError)
      expect((err as Error).message).toMatch(/does not implement (Block|Unblock)User \(rpc error: code = Unimplemented.*Centrifugo PRO/)
    }
  })
})
