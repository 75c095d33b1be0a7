// What a KV user sees when the storage or its driver cannot do what was asked (real rr).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KvError, KvUnsupportedError, RpcClient, RpcServiceError, kv } from '../../src/rpc/index.js'
import { freePort, startRr, type RrInstance } from '../helpers/rr.js'

describe('KV errors', () => {
  let rr: RrInstance
  let client: RpcClient

  beforeAll(async () => {
    const rpc = await freePort()
    // memcached: rr's driver connects lazily, so no memcached server is needed to see its TTL refusal.
    const deadPort = await freePort()
    rr = await startRr({
      config: {
        rpc: { listen: `tcp://127.0.0.1:${rpc}` },
        logs: { level: 'warn' },
        kv: {
          local: { driver: 'memory', config: {} },
          mc: { driver: 'memcached', config: { addr: [`127.0.0.1:${deadPort}`] } },
        },
      },
      waitForPort: rpc,
    })
    client = new RpcClient(`tcp://127.0.0.1:${rpc}`, { timeoutMs: 10_000 })
  })
  afterAll(async () => {
    await client?.close()
    await rr?.stop()
  })

  it('ttl on a memcached storage is refused with the driver and a way out', async () => {
    const mc = kv(client, 'mc')
    expect(await mc.driver()).toBe('memcached')
    const err = await mc.ttl('anything').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(KvUnsupportedError)
    expect(err).toMatchObject({ code: 'KV_UNSUPPORTED', storage: 'mc', operation: 'ttl', driver: 'memcached' })
    expect((err as Error).message).toMatch(/KV storage "mc" uses the memcached driver, which does not support ttl\(\).*use a memory, redis or boltdb storage/)
  })

  it("rr's own answer to that call is the cryptic one the client replaces", async () => {
    const { descriptor } = await import('../../src/generated/kv-v1.js')
    const protobuf = (await import('protobufjs')).default
    const Req = protobuf.Root.fromJSON(descriptor as unknown as protobuf.INamespace).lookupType('kv.v1.Request')
    const body = Req.encode(Req.fromObject({ storage: 'mc', items: [{ key: 'anything' }] })).finish()
    const err = await client.callProto('kv.TTL', body).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RpcServiceError)
    expect((err as RpcServiceError).rrMessage).toMatch(/not valid request for memcached/)
  })

  it('the same operation works on a memory storage of the same rr', async () => {
    const local = kv(client, 'local')
    await local.set('k', 1, { ttl: 30 })
    expect(await local.ttl('k')).toBeInstanceOf(Date)
  })

  it('an unknown storage names itself and how to declare it', async () => {
    const err = await kv(client, 'nope').get('k').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(KvError)
    expect(err).toMatchObject({ code: 'KV_NO_STORAGE', storage: 'nope', operation: 'get' })
    expect((err as Error).message).toContain('rr has no KV storage "nope": declare it in .rr.yaml, e.g. kv: { nope: { driver: memory, config: {} } }')
    expect(await kv(client, 'nope').driver()).toBeUndefined()
  })

  it('a blank storage name is refused up front', () => {
    expect(() => kv(client, ' ')).toThrow(/storage name must be a non-empty string/)
  })
})
