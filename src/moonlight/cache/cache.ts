/**
 * Moonlight's `cache()`: values shared by every worker of the app, kept in a named rr KV storage
 * (an in-process cache is per worker, so one worker would keep serving what another just changed).
 *
 * Under rr (RR_RPC set, which wins over `[cache] RPC`; or `[cache] RPC` outside rr) the cache is rr's KV storage `[cache] STORAGE`
 * (default `cache`) and its locks are rr's locks. Outside rr (`npx pionia serve`, `app.fetch()` in
 * tests) there is one process, and an in-process store with the same behaviour stands in.
 *
 * Settings (`[cache]` in environment/settings.ini): `STORAGE`, `TTL` (seconds, default 3600, 0: no
 * expiry), `PREFIX` (put before every key), `RPC` (rr's RPC address when not under rr).
 * @module
 */
import type * as nodeCrypto from 'node:crypto'
import { lazyRequire } from '../../util/lazy-require.js'
import type { Settings } from '../../config/settings.js'
import { RpcClient } from '../../rpc/client.js'
import { RpcConnectionError, RpcServiceError, RpcTimeoutError } from '../../rpc/errors.js'
import { KvError, KvStorage, jsonSerializer, type Serializer, type Ttl } from '../../rpc/services/kv/index.js'
import { Locks } from '../../rpc/services/lock.js'
import { findApp } from '../core/current.js'
import type { Logger } from '../core/log.js'
import { rrRpcAddress } from '../settings/rpc.js'

/** node:crypto loads on first use, not with the worker. */
const crypto = lazyRequire<typeof nodeCrypto>('node:crypto')

export interface CacheOptions {
  /** rr KV storage name (default: `[cache] STORAGE`, else `cache`). */
  storage?: string
  /** Put before every key (default: `[cache] PREFIX`, else none). */
  prefix?: string
  /** Default lifetime in seconds for `set`/`remember` (default: `[cache] TTL`, else 3600; 0: none). */
  ttl?: number
  /** How values become bytes (default JSON; every process sharing the storage must agree). */
  serializer?: Serializer
  /** The RPC client to reach rr with (default: one shared client on RR_RPC / `[cache] RPC`). */
  client?: RpcClient
  /** Settings to read `[cache]` from (default: the current Moonlight app's). */
  settings?: Settings
  /** Where the "cache unavailable" warning goes (default: the current Moonlight app's logger). */
  logger?: Logger
}

/** What `attempt()` decided. */
export interface AttemptResult {
  allowed: boolean
  /** Attempts counted in the current window, this one included when allowed. */
  hits: number
  remaining: number
  /** Seconds until the window resets. */
  retryAfter: number
}

/** The few operations the cache needs from a store. */
interface Backend {
  /** True when the values are shared with other processes (rr), false for the in-process store. */
  readonly shared: boolean
  get(key: string): Promise<unknown>
  /** Values of the keys that exist. */
  mget(keys: string[]): Promise<Map<string, unknown>>
  set(key: string, value: unknown, ttl: Ttl | undefined): Promise<void>
  delete(keys: string[]): Promise<void>
  withLock<R>(name: string, fn: () => Promise<R>): Promise<R>
}

class RrBackend implements Backend {
  readonly shared = true
  readonly kv: KvStorage
  readonly #locks: Locks
  constructor(client: RpcClient, storage: string, serializer: Serializer) {
    this.kv = new KvStorage(client, storage, { serializer })
    this.#locks = new Locks(client)
  }
  /** True once rr served this storage: a later "no such storage" means rr is stopping its KV plugin. */
  seen = false
  #mark = <R>(p: Promise<R>): Promise<R> => (this.seen ? p : p.then((v) => ((this.seen = true), v)))
  get = (key: string) => this.#mark(this.kv.get(key))
  mget = (keys: string[]) => this.#mark(this.kv.mget(keys))
  set = (key: string, value: unknown, ttl: Ttl | undefined) => this.#mark(this.kv.set(key, value, ttl === undefined ? {} : { ttl }))
  delete = (keys: string[]) => this.#mark(this.kv.delete(keys))
  // ttl: a worker that dies inside the section frees it after 10 s; wait: callers queue up to 10 s.
  withLock = <R>(name: string, fn: () => Promise<R>) => this.#locks.withLock(name, fn, { ttl: 10, wait: 10 })
}

class LocalBackend implements Backend {
  readonly shared = false
  readonly #entries = new Map<string, { bytes: Uint8Array; expiresAt: number }>()
  readonly #chains = new Map<string, Promise<unknown>>()
  constructor(readonly serializer: Serializer) {}
  async get(key: string): Promise<unknown> {
    const e = this.#entries.get(key)
    if (!e) return undefined
    if (e.expiresAt <= Date.now()) {
      this.#entries.delete(key)
      return undefined
    }
    return this.serializer.deserialize(e.bytes)
  }
  async mget(keys: string[]): Promise<Map<string, unknown>> {
    const out = new Map<string, unknown>()
    for (const k of keys) {
      const v = await this.get(k)
      if (v !== undefined) out.set(k, v)
    }
    return out
  }
  async set(key: string, value: unknown, ttl: Ttl | undefined): Promise<void> {
    const expiresAt = ttl === undefined ? Infinity : ttl instanceof Date ? ttl.getTime() : Date.now() + ttl * 1000
    this.#entries.set(key, { bytes: this.serializer.serialize(value), expiresAt })
  }
  async delete(keys: string[]): Promise<void> {
    for (const k of keys) this.#entries.delete(k)
  }
  withLock<R>(name: string, fn: () => Promise<R>): Promise<R> {
    const run = (this.#chains.get(name) ?? Promise.resolve()).then(fn, fn)
    const tail = run.catch(() => undefined)
    this.#chains.set(name, tail)
    void tail.then(() => this.#chains.get(name) === tail && this.#chains.delete(name))
    return run
  }
}

/** One RPC client per address, one backend per client and storage: shared by every `cache()` call. */
const clients = new Map<string, RpcClient>()
const rrBackends = new WeakMap<RpcClient, Map<string, RrBackend>>()
const locals = new Map<string, LocalBackend>()
const warned = new WeakSet<Backend>()

/**
 * rr could not serve the cache: unreachable, too slow, refusing (a plugin stopping), or a KV storage
 * it served before gone (rr stops its KV plugin alongside the http workers during a shutdown). Bad keys, bad ttls
 * and serializer failures are the caller's bugs and are not included.
 */
function unavailable(err: unknown, backend: Backend): err is Error {
  return err instanceof RpcConnectionError || err instanceof RpcTimeoutError || err instanceof RpcServiceError ||
    // A storage rr never had is a configuration error; one it served before is being stopped.
    (err instanceof KvError && err.code === 'KV_NO_STORAGE' && backend instanceof RrBackend && backend.seen)
}

/** How a group entry is stored: the value and the group generation it was computed in. */
interface GroupEntry {
  g: string
  v: unknown
}

/**
 * A cache view: a key prefix over a backend. A `group()` view also keeps a generation key: each
 * entry records the generation it was stored in, and `flush()` starts a new one, so a whole group
 * is dropped at once in every worker. A read fetches the generation and the entry in one MGet.
 */
export class MoonlightCache {
  readonly #backend: Backend
  readonly #prefix: string
  readonly #group: string | undefined
  readonly #ttl: number
  readonly #logger: Logger | undefined

  /** @internal use `cache()` */
  constructor(backend: Backend, prefix: string, ttl: number, logger: Logger | undefined, group?: string) {
    this.#backend = backend
    this.#prefix = group === undefined ? prefix : `${prefix}${group}:`
    this.#group = group === undefined ? undefined : `${prefix}${group}@generation`
    this.#ttl = ttl
    this.#logger = logger
  }

  /** True when values are shared by every worker (rr KV); false for the in-process stand-in. */
  get shared(): boolean {
    return this.#backend.shared
  }

  /** The rr KV storage behind the cache, or undefined outside rr. */
  get storage(): KvStorage | undefined {
    return this.#backend instanceof RrBackend ? this.#backend.kv : undefined
  }

  /** The cached value, or undefined (also when rr cannot serve the cache: a read falls through to the source). */
  async get<T = unknown>(key: string): Promise<T | undefined> {
    const full = this.#key(key)
    try {
      return (await this.#read(full)).value as T | undefined
    } catch (err) {
      if (!unavailable(err, this.#backend)) throw err
      this.#warnOnce(err)
      return undefined
    }
  }

  /**
   * Stores a value for `ttl` seconds (default: the cache's ttl; 0: no expiry). Best effort: when rr
   * cannot serve the cache (e.g. while it shuts down) the write is skipped with a warning, so a
   * request that already did its work does not fail because of the cache.
   */
  async set(key: string, value: unknown, ttl: number = this.#ttl): Promise<void> {
    const full = this.#key(key)
    try {
      const gen = this.#group === undefined ? undefined : await this.#generation()
      await this.#write(full, value, gen, ttl)
    } catch (err) {
      if (!unavailable(err, this.#backend)) throw err
      this.#warnSkipped('set', full, err)
    }
  }

  /** Removes keys. Best effort, like set(): skipped with a warning when rr cannot serve the cache. */
  async forget(keys: string | string[]): Promise<void> {
    const full = (typeof keys === 'string' ? [keys] : keys).map((k) => this.#key(k))
    try {
      await this.#backend.delete(full)
    } catch (err) {
      if (!unavailable(err, this.#backend)) throw err
      this.#warnSkipped('forget', full.join(', '), err)
    }
  }

  /**
   * The cached value of `key`, or `produce()`'s result, cached for `ttl` seconds. If rr cannot be
   * reached, the value is produced and served uncached (logged once per process and storage), so a
   * read never fails because of the cache.
   */
  async remember<T>(key: string, produce: () => T | Promise<T>, ttl: number = this.#ttl): Promise<T> {
    const full = this.#key(key)
    let gen: string | undefined
    try {
      const hit = await this.#read(full)
      if (hit.value !== undefined) return hit.value as T
      gen = this.#group === undefined ? undefined : (hit.generation ?? (await this.#newGeneration()))
    } catch (err) {
      if (!unavailable(err, this.#backend)) throw err
      this.#warnOnce(err)
      return produce()
    }
    const value = await produce()
    if (value !== undefined) {
      try {
        await this.#write(full, value, gen, ttl)
      } catch (err) {
        if (!unavailable(err, this.#backend)) throw err
        this.#warnOnce(err)
      }
    }
    return value
  }

  /** A view whose keys can all be dropped at once with `flush()` (e.g. every cached task list). */
  group(name: string): MoonlightCache {
    if (this.#group !== undefined) throw new TypeError('groups do not nest: call group() on cache(), not on a group')
    if (typeof name !== 'string' || !/^[\w.:-]+$/.test(name)) {
      throw new TypeError(`cache group name must be letters, digits, _ . : or -, got ${JSON.stringify(name)}`)
    }
    return new MoonlightCache(this.#backend, this.#prefix, this.#ttl, this.#logger, name)
  }

  /**
   * Drops every key of a `group()` view: later reads, in every worker, miss and recompute. Best
   * effort, like set(): when rr cannot serve the cache (e.g. while it shuts down) the flush is
   * skipped with a warning rather than failing a request whose write already committed.
   */
  async flush(): Promise<void> {
    if (this.#group === undefined) throw new TypeError('flush() drops a group: call it on cache().group(name), not on the whole cache')
    try {
      await this.#newGeneration()
    } catch (err) {
      if (!unavailable(err, this.#backend)) throw err
      this.#warnSkipped('flush', this.#group, err)
    }
  }

  /**
   * Counts an attempt at `key` (a login by email, say): at most `max` per `decay` seconds. The count
   * is read and written under a lock (rr's lock under rr), so concurrent attempts in different
   * workers cannot both take the last slot.
   */
  async attempt(key: string, limits: { max: number; decay: number }): Promise<AttemptResult> {
    if (!Number.isInteger(limits.max) || limits.max < 1) throw new TypeError(`attempt max must be an integer ≥ 1, got ${limits.max}`)
    if (!(limits.decay >= 1)) throw new TypeError(`attempt decay must be at least 1 second, got ${limits.decay}`)
    const full = this.#key(`${key}:attempts`)
    return this.#backend.withLock(`${full}:lock`, async () => {
      const now = Date.now()
      const cur = (await this.#read(full)).value as { hits: number; resetAt: number } | undefined
      const window = cur && cur.resetAt > now ? cur : { hits: 0, resetAt: now + limits.decay * 1000 }
      const retryAfter = Math.max(1, Math.ceil((window.resetAt - now) / 1000))
      if (window.hits >= limits.max) return { allowed: false, hits: window.hits, remaining: 0, retryAfter }
      window.hits++
      const gen = this.#group === undefined ? undefined : await this.#generation()
      await this.#write(full, window, gen, new Date(Math.max(window.resetAt, now + 1000)))
      return { allowed: true, hits: window.hits, remaining: limits.max - window.hits, retryAfter }
    })
  }

  #key(key: string): string {
    if (typeof key !== 'string' || key === '') throw new TypeError(`cache key must be a non-empty string, got ${JSON.stringify(key)}`)
    return this.#prefix + key
  }

  /** One round trip: the entry, and for a group its generation (an entry of an older one is a miss). */
  async #read(full: string): Promise<{ value: unknown; generation?: string }> {
    if (this.#group === undefined) return { value: await this.#backend.get(full) }
    const got = await this.#backend.mget([this.#group, full])
    const generation = got.get(this.#group) as string | undefined
    const entry = got.get(full) as GroupEntry | undefined
    const current = generation !== undefined && entry !== undefined && entry.g === generation
    return { value: current ? entry.v : undefined, generation }
  }

  async #write(full: string, value: unknown, generation: string | undefined, ttl: Ttl): Promise<void> {
    const stored = generation === undefined ? value : ({ g: generation, v: value } satisfies GroupEntry)
    const expiry = ttl instanceof Date ? ttl : ttl > 0 ? ttl : undefined
    await this.#backend.set(full, stored, expiry)
  }

  async #generation(): Promise<string> {
    return ((await this.#backend.get(this.#group!)) as string | undefined) ?? this.#newGeneration()
  }

  async #newGeneration(): Promise<string> {
    const gen = crypto().randomUUID()
    await this.#backend.set(this.#group!, gen, undefined)
    return gen
  }

  /** Every skipped write is logged: other workers may serve the old value until its ttl. */
  #warnSkipped(operation: string, key: string, err: Error): void {
    this.#logger?.warn(`cache ${operation} skipped (rr cannot serve the cache; other workers may serve the old value until its ttl): ${key}: ${err.message}`)
  }

  #warnOnce(err: Error): void {
    if (warned.has(this.#backend)) return
    warned.add(this.#backend)
    this.#logger?.warn(`cache unavailable, serving uncached: ${err.message}`)
  }
}

/**
 * The app's cache.
 * @example
 * import { cache } from 'pionia/moonlight'
 * const tasks = await cache().group('tasks').remember('list:open', () => loadOpenTasks(), 60)
 * await cache().group('tasks').flush() // after a write: every worker stops serving the old lists
 */
export function cache(options: CacheOptions = {}): MoonlightCache {
  const app = findApp()
  const settings = options.settings ?? app?.settings
  const setting = (key: string) => settings?.get('cache', key)?.trim() || undefined
  const storage = options.storage ?? setting('STORAGE') ?? 'cache'
  const prefix = options.prefix ?? setting('PREFIX') ?? ''
  const ttl = options.ttl ?? Number(setting('TTL') ?? 3600)
  if (!Number.isFinite(ttl) || ttl < 0) throw new TypeError(`cache ttl must be a number of seconds ≥ 0 ([cache] TTL), got ${ttl}`)
  const serializer = options.serializer ?? jsonSerializer
  const logger = options.logger ?? app?.logger
  const address = rrRpcAddress('cache', setting('RPC'), undefined, logger ? (m) => logger.warn(m) : undefined)
  let backend: Backend
  if (options.client || address) {
    let client = options.client
    if (!client) {
      client = clients.get(address!) ?? new RpcClient(address!)
      clients.set(address!, client)
    }
    const byStorage = rrBackends.get(client) ?? new Map<string, RrBackend>()
    rrBackends.set(client, byStorage)
    const id = `${storage}|${serializer.name}`
    backend = byStorage.get(id) ?? new RrBackend(client, storage, serializer)
    byStorage.set(id, backend as RrBackend)
  } else {
    // per project root too: tests run several apps (each with its own database) in one process
    const id = `${settings?.root ?? ''}|${storage}|${serializer.name}`
    backend = locals.get(id) ?? new LocalBackend(serializer)
    locals.set(id, backend as LocalBackend)
  }
  return new MoonlightCache(backend, prefix, ttl, logger)
}
