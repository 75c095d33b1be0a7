/**
 * The KV behaviour every rr driver must show through KvStorage, run once per driver against the real
 * rr (and, for redis, the real Redis). Each driver's test file calls `kvCases(...)`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RpcClient, KvError, kv, msgpackSerializer, rawSerializer, type KvStorage } from '../../src/rpc/index.js'
import { freePort, startRr, type RrInstance } from '../helpers/rr.js'

export interface KvCaseOptions {
  driver: string
  /** The storage section under `kv:` (driver + config). */
  storage: Record<string, unknown>
  /** Prepares an external service before rr starts. */
  before?: () => Promise<void>
  /** Reads a key straight from the backend (bypassing rr), to prove where the data lives. */
  rawGet?: (key: string) => string | null
}

/** Polls `check` until it is true; fails with `what` if it never is within `limitMs`. */
export async function eventually(what: string, check: () => Promise<boolean>, limitMs = 6000): Promise<void> {
  const end = Date.now() + limitMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} did not happen within ${limitMs} ms`)
    await new Promise((r) => setTimeout(r, 150))
  }
}

export function kvCases(o: KvCaseOptions): void {
  describe(`KvStorage over rr with the ${o.driver} driver`, () => {
    let rr: RrInstance
    let client: RpcClient
    let store: KvStorage

    beforeAll(async () => {
      await o.before?.()
      const rpc = await freePort()
      rr = await startRr({
        config: { rpc: { listen: `tcp://127.0.0.1:${rpc}` }, logs: { level: 'warn' }, kv: { shared: o.storage } },
        waitForPort: rpc,
      })
      client = new RpcClient(`tcp://127.0.0.1:${rpc}`, { timeoutMs: 10_000 })
      store = kv(client, 'shared')
      await store.clear()
    })
    afterAll(async () => {
      await client?.close()
      await rr?.stop()
    })

    it('reports its driver from rr configuration', async () => {
      expect(await store.driver()).toBe(o.driver)
    })

    it('sets, gets and checks JSON values, and a second connection sees them', async () => {
      const task = { id: 7, title: 'Review homepage mockups', tags: ['ui'], done: false }
      await store.set('task:7', task)
      expect(await store.get('task:7')).toEqual(task)
      expect(await store.has('task:7')).toBe(true)
      expect(await store.has('task:missing')).toBe(false)
      expect(await store.get('task:missing')).toBeUndefined()
      const other = new RpcClient(client.address)
      try {
        expect(await kv(other, 'shared').get('task:7')).toEqual(task)
      } finally {
        await other.close()
      }
      if (o.rawGet) expect(JSON.parse(o.rawGet('task:7') ?? 'null')).toEqual(task)
    })

    it('setMany, mget and hasMany leave missing keys out', async () => {
      await store.setMany({ a: 1, b: 'two', c: null })
      const got = await store.mget(['a', 'b', 'c', 'nope'])
      expect(Object.fromEntries(got)).toEqual({ a: 1, b: 'two', c: null })
      expect([...(await store.hasMany(['a', 'nope', 'c']))].sort()).toEqual(['a', 'c'])
      expect((await store.mget([])).size).toBe(0)
    })

    it('set replaces the value', async () => {
      await store.set('counter', 1)
      await store.set('counter', 2)
      expect(await store.get('counter')).toBe(2)
    })

    it('deletes one or several keys; missing keys are fine', async () => {
      await store.setMany([['d1', 1], ['d2', 2], ['d3', 3]])
      await store.delete('d1')
      await store.delete(['d2', 'never-there'])
      expect([...(await store.hasMany(['d1', 'd2', 'd3']))]).toEqual(['d3'])
    })

    it('a key set with a ttl reports its expiry and disappears after it', async () => {
      const before = Date.now()
      await store.set('short', 'lived', { ttl: 1 })
      await store.set('forever', 'here')
      expect(await store.get('short')).toBe('lived')
      const at = await store.ttl('short')
      expect(at).toBeInstanceOf(Date)
      expect(at!.getTime()).toBeGreaterThanOrEqual(before - 1000)
      expect(at!.getTime()).toBeLessThanOrEqual(Date.now() + 3000)
      expect(await store.ttl('forever')).toBeNull()
      expect(await store.ttl('missing')).toBeNull()
      const map = await store.ttlMany(['short', 'forever', 'missing'])
      expect([...map.keys()]).toEqual(['short'])
      await eventually('expiry of "short"', async () => !(await store.has('short')))
      expect(Date.now() - before).toBeGreaterThanOrEqual(900)
      expect(await store.get('forever')).toBe('here')
    })

    it('mexpire gives existing keys an expiry, keeps their values and skips missing keys', async () => {
      await store.set('m1', { keep: 'me' })
      const touched = await store.mexpire(['m1', 'm-missing'], 2)
      expect(touched).toEqual(['m1'])
      expect(await store.get('m1')).toEqual({ keep: 'me' })
      expect(await store.has('m-missing')).toBe(false)
      expect(await store.ttl('m1')).toBeInstanceOf(Date)
      await eventually('expiry of "m1"', async () => !(await store.has('m1')))
    })

    it('mexpire extends a key that already expires', async () => {
      await store.set('m2', 'x', { ttl: 1 })
      expect(await store.mexpire(['m2'], 30)).toEqual(['m2'])
      await new Promise((r) => setTimeout(r, 2200))
      expect(await store.get('m2')).toBe('x')
    })

    it('takes an absolute expiry time', async () => {
      await store.set('abs', 1, { ttl: new Date(Date.now() + 60_000) })
      const at = await store.ttl('abs')
      expect(Math.abs(at!.getTime() - (Date.now() + 60_000))).toBeLessThan(3000)
    })

    it('refuses bad input before calling rr, naming the problem', async () => {
      await expect(store.set('', 1)).rejects.toThrow(/non-empty string/)
      await expect(store.get('   ')).rejects.toMatchObject({ code: 'KV_BAD_INPUT', operation: 'get' })
      await expect(store.set('k', 1, { ttl: 0.5 })).rejects.toThrow(/at least 1 second ahead/)
      await expect(store.mexpire(['k'], new Date(Date.now() - 1000))).rejects.toThrow(KvError)
      await expect(store.mexpire(['k'], 1)).rejects.toThrow(/mexpire\(\) must be at least 2 seconds ahead/)
      await expect(store.set('k', undefined)).rejects.toMatchObject({ code: 'KV_SERIALIZE' })
    })

    it('serializers are pluggable: raw bytes and msgpack round-trip', async () => {
      const raw = kv(client, 'shared', { serializer: rawSerializer })
      await raw.set('bin', Buffer.from([0, 1, 2, 255]))
      expect([...((await raw.get('bin')) as Buffer)]).toEqual([0, 1, 2, 255])
      const mp = kv(client, 'shared', { serializer: msgpackSerializer })
      await mp.set('mp', { n: 1, buf: Buffer.from('hi') })
      const back = (await mp.get('mp')) as { n: number; buf: Buffer }
      expect(back.n).toBe(1)
      expect(Buffer.from(back.buf).toString()).toBe('hi')
      await expect(store.get('bin')).rejects.toMatchObject({ code: 'KV_SERIALIZE' })
    })

    it('clear empties the storage', async () => {
      await store.setMany({ x1: 1, x2: 2 })
      await store.clear()
      expect((await store.hasMany(['x1', 'x2', 'a', 'task:7'])).size).toBe(0)
    })
  })
}
