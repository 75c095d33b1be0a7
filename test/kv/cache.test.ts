// Moonlight's cache(): shared through rr KV and rr locks across separate connections (as two workers
// have), and the in-process stand-in outside rr.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RpcClient } from '../../src/rpc/index.js'
import { cache } from '../../src/moonlight/cache/index.js'
import type { Logger } from '../../src/moonlight/core/log.js'
import { freePort, startRr, type RrInstance } from '../helpers/rr.js'

describe('cache() over rr KV and locks', () => {
  let rr: RrInstance
  let worker1: RpcClient
  let worker2: RpcClient

  beforeAll(async () => {
    const rpc = await freePort()
    rr = await startRr({
      config: { rpc: { listen: `tcp://127.0.0.1:${rpc}` }, logs: { level: 'error' }, kv: { cache: { driver: 'memory', config: {} } } },
      waitForPort: rpc,
    })
    worker1 = new RpcClient(`tcp://127.0.0.1:${rpc}`)
    worker2 = new RpcClient(`tcp://127.0.0.1:${rpc}`)
  })
  afterAll(async () => {
    await worker1?.close()
    await worker2?.close()
    await rr?.stop()
  })

  it('remember computes once; another connection gets the stored value', async () => {
    let runs = 0
    const produce = async () => ({ run: ++runs })
    expect(await cache({ client: worker1 }).remember('k1', produce, 60)).toEqual({ run: 1 })
    expect(await cache({ client: worker2 }).remember('k1', produce, 60)).toEqual({ run: 1 })
    expect(runs).toBe(1)
    const c = cache({ client: worker2 })
    expect(c.shared).toBe(true)
    expect(await c.storage!.get('k1')).toEqual({ run: 1 })
  })

  it('a group flushed through one connection misses in the other', async () => {
    let runs = 0
    const lists1 = cache({ client: worker1, prefix: 'app:' }).group('tasks')
    const lists2 = cache({ client: worker2, prefix: 'app:' }).group('tasks')
    await lists1.remember('open', () => ++runs)
    expect(await lists2.remember('open', () => ++runs)).toBe(1)
    await lists2.flush()
    expect(await lists1.get('open')).toBeUndefined()
    expect(await lists1.remember('open', () => ++runs)).toBe(2)
    expect(await cache({ client: worker1 }).group('other').flush()).toBeUndefined()
    expect(await lists2.get('open')).toBe(2)
    // an entry of the flushed generation is still in the storage, but no view serves it
    await lists1.flush()
    expect(await lists2.get('open')).toBeUndefined()
    await lists2.set('open', 'set directly')
    expect(await lists1.get('open')).toBe('set directly')
  })

  it('set, get and forget with a prefix; keys land in the storage prefixed', async () => {
    const c = cache({ client: worker1, prefix: 'deskflow:' })
    await c.set('greeting', 'hi', 30)
    expect(await cache({ client: worker2, prefix: 'deskflow:' }).get('greeting')).toBe('hi')
    expect(await c.storage!.get('deskflow:greeting')).toBe('hi')
    expect(await c.storage!.ttl('deskflow:greeting')).toBeInstanceOf(Date)
    await c.forget('greeting')
    expect(await c.get('greeting')).toBeUndefined()
  })

  it('attempt holds its limit under concurrent attempts from two connections', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => cache({ client: i % 2 ? worker1 : worker2 }).attempt('login:alex', { max: 4, decay: 60 })),
    )
    expect(results.filter((r) => r.allowed)).toHaveLength(4)
    expect(results.filter((r) => !r.allowed).every((r) => r.remaining === 0 && r.retryAfter > 0 && r.retryAfter <= 60)).toBe(true)
    expect(results.filter((r) => r.allowed).map((r) => r.hits).sort()).toEqual([1, 2, 3, 4])
    expect((await cache({ client: worker1 }).attempt('login:jamie', { max: 4, decay: 60 })).allowed).toBe(true)
  })

  it('serves uncached, and warns once, when rr cannot be reached', async () => {
    const warnings: string[] = []
    const logger: Logger = { info() {}, error() {}, warn: (m) => warnings.push(m) }
    const dead = new RpcClient(`tcp://127.0.0.1:${await freePort()}`, { connectAttempts: 1 })
    const c = cache({ client: dead, logger })
    expect(await c.remember('x', () => 'fresh')).toBe('fresh')
    expect(await c.remember('x', () => 'fresh again')).toBe('fresh again')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/cache unavailable, serving uncached: cannot call kv.MGet on rr/)
    await dead.close()
  })

  it('a missing storage is a configuration error, not a silent miss', async () => {
    await expect(cache({ client: worker1, storage: 'nope' }).remember('x', () => 1)).rejects.toThrow(/rr has no KV storage "nope"/)
  })
})

describe('cache() outside rr', () => {
  it('uses the in-process store with the same behaviour', async () => {
    const c = cache({ storage: 'local-test' })
    expect(c.shared).toBe(false)
    expect(c.storage).toBeUndefined()
    let runs = 0
    const g = c.group('tasks')
    expect(await g.remember('all', () => ++runs)).toBe(1)
    expect(await cache({ storage: 'local-test' }).group('tasks').remember('all', () => ++runs)).toBe(1)
    await g.flush()
    expect(await g.remember('all', () => ++runs)).toBe(2)
    const verdicts = await Promise.all(Array.from({ length: 5 }, () => c.attempt('login:x', { max: 2, decay: 60 })))
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, false, false, false])
    await c.set('short', 1, 1)
    expect(await c.get('short')).toBe(1)
  })

  it('refuses bad input', async () => {
    const c = cache({ storage: 'local-test' })
    await expect(c.get('')).rejects.toThrow(/non-empty string/)
    await expect(c.flush()).rejects.toThrow(/call it on cache\(\).group\(name\)/)
    expect(() => c.group('a b')).toThrow(/group name/)
    expect(() => c.group('a').group('b')).toThrow(/groups do not nest/)
    await expect(c.attempt('k', { max: 0, decay: 60 })).rejects.toThrow(/max must be an integer/)
    expect(() => cache({ ttl: -1 })).toThrow(/ttl must be/)
  })
})
