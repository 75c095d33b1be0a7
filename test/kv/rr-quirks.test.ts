// What rr's memory KV driver does with raw requests, i.e. why KvStorage pads expiries, reads before
// MExpire and refuses MExpire under 2 s. If an rr upgrade changes these, this file says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import protobuf from 'protobufjs'
import { descriptor } from '../../src/generated/kv-v1.js'
import { RpcClient, kv } from '../../src/rpc/index.js'
import { freePort, startRr, type RrInstance } from '../helpers/rr.js'

const root = protobuf.Root.fromJSON(descriptor as unknown as protobuf.INamespace)
const Req = root.lookupType('kv.v1.Request')
const Res = root.lookupType('kv.v1.Response')

describe("rr's memory KV driver, raw", () => {
  let rr: RrInstance
  let client: RpcClient
  const raw = async (method: string, items: { key: string; value?: Uint8Array; timeout?: string }[]) => {
    const reply = await client.callProto(`kv.${method}`, Req.encode(Req.fromObject({ storage: 'm', items })).finish())
    return (Res.toObject(Res.decode(reply), { defaults: true }) as { items: { key: string; value: Uint8Array; timeout: string }[] }).items
  }
  const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString()

  beforeAll(async () => {
    const rpc = await freePort()
    rr = await startRr({
      config: { rpc: { listen: `tcp://127.0.0.1:${rpc}` }, logs: { level: 'error' }, kv: { m: { driver: 'memory', config: {} } } },
      waitForPort: rpc,
    })
    client = new RpcClient(`tcp://127.0.0.1:${rpc}`)
  })
  afterAll(async () => {
    await client?.close()
    await rr?.stop()
  })

  it('a Set 1 s ahead (0.99 s when rr reads it, truncated to 0) is stored without expiry', async () => {
    await raw('Set', [{ key: 'one-second', value: Buffer.from('"x"'), timeout: inSeconds(1) }])
    // control: 2 s ahead is 1.99 s when rr reads it, truncated to 1 s, so it does expire, and later
    // than 'one-second' would have; once rr has dropped it, 'one-second' must still be there
    await raw('Set', [{ key: 'control', value: Buffer.from('"x"'), timeout: inSeconds(2) }])
    const until = async (what: string, check: () => Promise<boolean>) => {
      for (const end = Date.now() + 10_000; !(await check()); await new Promise((r) => setTimeout(r, 50))) {
        if (Date.now() > end) throw new Error(`rr did not ${what} within 10 s`)
      }
    }
    await until('expire the control key', async () => (await raw('MGet', [{ key: 'control' }])).length === 0)
    expect((await raw('MGet', [{ key: 'one-second' }])).map((i) => i.key)).toEqual(['one-second'])
    // the same ttl through KvStorage expires
    const store = kv(client, 'm')
    await store.set('one-second-sdk', 'x', { ttl: 1 })
    expect(await store.has('one-second-sdk')).toBe(true)
    await until('expire the key KvStorage set with ttl 1', async () => !(await store.has('one-second-sdk')))
  })

  it('MExpire on a missing key creates it, with the value carried in the request', async () => {
    await raw('MExpire', [{ key: 'ghost', timeout: inSeconds(30) }])
    const got = await raw('MGet', [{ key: 'ghost' }])
    expect(got.map((i) => [i.key, i.value.length])).toEqual([['ghost', 0]])
  })

  it('MExpire on a key without expiry replaces its value with the one in the request', async () => {
    await raw('Set', [{ key: 'kept', value: Buffer.from('"value"') }])
    await raw('MExpire', [{ key: 'kept', timeout: inSeconds(30) }])
    expect((await raw('MGet', [{ key: 'kept' }]))[0]!.value.length).toBe(0)
  })

  it('TTL reports keys without expiry with an empty time', async () => {
    await raw('Set', [{ key: 'plain', value: Buffer.from('1') }])
    expect(await raw('TTL', [{ key: 'plain' }])).toEqual([{ key: 'plain', value: expect.anything(), timeout: '' }])
  })
})

describe("rr's memory KV driver, raw MExpire under a second", () => {
  it('ends the rr process (why KvStorage.mexpire wants 2 s)', async () => {
    const rpc = await freePort()
    const rr = await startRr({
      config: { rpc: { listen: `tcp://127.0.0.1:${rpc}` }, logs: { level: 'error' }, kv: { m: { driver: 'memory', config: {} } } },
      waitForPort: rpc,
    })
    const client = new RpcClient(`tcp://127.0.0.1:${rpc}`, { timeoutMs: 10_000, connectAttempts: 1 })
    try {
      const exited = new Promise<number | null>((r) => rr.process.once('exit', (code) => r(code)))
      const body = Req.encode(Req.fromObject({ storage: 'm', items: [{ key: 'k', timeout: new Date(Date.now() + 500).toISOString() }] })).finish()
      await client.callProto('kv.MExpire', body).catch(() => undefined)
      expect(await exited).not.toBe(0)
      expect(rr.output()).toMatch(/non-positive interval/)
    } finally {
      await client.close()
      await rr.stop()
    }
  })
})
