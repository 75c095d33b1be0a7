/**
 * A client for one named rr KV storage (`kv.<name>` in .rr.yaml), over rr's `kv.*` RPC methods
 * with the protobuf codec. Values go through a serializer (JSON by default); keys are strings.
 *
 * rr's drivers differ (memory, redis, boltdb, memcached); this class evens out what can be evened
 * out (see the README's "Shared state" section) and refuses, with a `KvError`, what a driver
 * cannot do.
 * @module
 */
import { descriptor } from '../../../generated/kv-v1.js'
import type { RpcClient } from '../../client.js'
import { RpcServiceError } from '../../errors.js'
import { KvError, KvUnsupportedError } from './errors.js'
import { jsonSerializer, type Serializer } from './serializer.js'
import { encode, lazyTypes } from '../proto-types.js'

const types = lazyTypes(descriptor)

interface WireItem {
  key: string
  value?: Uint8Array
  timeout?: string
}

/** The operations of a KV storage, as named in errors and in `UNSUPPORTED`. */
export type KvOperation = 'has' | 'set' | 'get' | 'mexpire' | 'ttl' | 'delete' | 'clear'

/**
 * Operations rr's drivers refuse, and why. Checked before the call, with the driver read from rr's
 * own configuration (`rpc.Config`), so the error names the storage, the driver and a way out.
 */
export const UNSUPPORTED: Readonly<Record<string, Partial<Record<KvOperation, string>>>> = {
  memcached: {
    ttl:
      'memcached cannot report expiry times (rr answers "not valid request for memcached"). ' +
      'Keep the expiry time inside the value, or use a memory, redis or boltdb storage',
  },
}

/**
 * Extra time added to every expiry sent to rr. rr's memory driver truncates the remaining time to
 * whole seconds when it receives the item, so `now + 1 s` would arrive as 0.99 s, be truncated to
 * 0 and be stored with no expiry at all. With this margin a key lives `ttl` seconds on the memory
 * driver (whole seconds) and at most `ttl + 0.25` seconds on redis.
 */
export const EXPIRY_MARGIN_MS = 250

/** An expiry: seconds from now (at least 1), or an absolute time at least 1 s ahead. */
export type Ttl = number | Date

export interface SetOptions {
  /** Expire after this many seconds (≥ 1), or at this time. Absent: the key does not expire. */
  ttl?: Ttl
}

export interface KvStorageOptions<T> {
  /** How values become bytes (default: JSON). */
  serializer?: Serializer<T>
  /** RPC timeout per call in ms (default: the client's). */
  timeoutMs?: number
}

/**
 * @example
 * import { RpcClient, kv } from 'pionia/rpc'
 * const cache = kv(new RpcClient(), 'local')
 * await cache.set('greeting', { text: 'hi' }, { ttl: 60 })
 * const value = await cache.get('greeting') // { text: 'hi' }, from any worker
 */
export class KvStorage<T = unknown> {
  readonly client: RpcClient
  /** The storage name (`kv.<name>` in .rr.yaml). */
  readonly name: string
  readonly serializer: Serializer<T>
  readonly #timeoutMs: number | undefined
  #driver: Promise<string | undefined> | undefined

  constructor(client: RpcClient, name: string, options: KvStorageOptions<T> = {}) {
    if (typeof name !== 'string' || name.trim() === '') {
      throw new KvError('KV_BAD_INPUT', String(name), 'storage', 'KV storage name must be a non-empty string (a key of kv: in .rr.yaml)')
    }
    this.client = client
    this.name = name
    this.serializer = options.serializer ?? (jsonSerializer as Serializer<T>)
    this.#timeoutMs = options.timeoutMs
  }

  /** True when the key exists (and has not expired). */
  async has(key: string): Promise<boolean> {
    return (await this.hasMany([key])).has(key)
  }

  /** The subset of `keys` that exist. */
  async hasMany(keys: Iterable<string>): Promise<Set<string>> {
    const list = this.#keys('has', keys)
    if (list.length === 0) return new Set()
    const items = await this.#call('has', 'kv.Has', list.map((key) => ({ key })))
    return new Set(items.map((i) => i.key))
  }

  /** Stores a value, replacing any previous one (and its expiry). */
  async set(key: string, value: T, options: SetOptions = {}): Promise<void> {
    await this.setMany([[key, value]], options)
  }

  /** Stores several values in one call, all with the same expiry. */
  async setMany(entries: Iterable<readonly [string, T]> | Record<string, T>, options: SetOptions = {}): Promise<void> {
    const pairs = Symbol.iterator in entries ? [...(entries as Iterable<readonly [string, T]>)] : Object.entries(entries)
    if (pairs.length === 0) return
    const keys = this.#keys('set', pairs.map(([k]) => k))
    const timeout = options.ttl === undefined ? '' : this.#expiry('set', options.ttl)
    const items = pairs.map(([, value], i) => ({ key: keys[i]!, value: this.#serialize(keys[i]!, value), timeout }))
    await this.#call('set', 'kv.Set', items)
  }

  /** The value of a key, or `undefined` when it does not exist. */
  async get(key: string): Promise<T | undefined> {
    return (await this.mget([key])).get(key)
  }

  /** The values of the keys that exist (missing keys are left out). */
  async mget(keys: Iterable<string>): Promise<Map<string, T>> {
    const list = this.#keys('get', keys)
    const out = new Map<string, T>()
    if (list.length === 0) return out
    for (const item of await this.#call('get', 'kv.MGet', list.map((key) => ({ key })))) {
      out.set(item.key, this.#deserialize(item.key, item.value ?? new Uint8Array()))
    }
    return out
  }

  /**
   * Sets a new expiry (at least 2 s ahead) on existing keys, keeping their values; returns the keys
   * that exist (and so got the expiry). Missing keys are skipped on every driver.
   *
   * Why it reads first: rr's memory driver re-creates a key that has no expiry yet with the value
   * carried in the MExpire request, so this sends each key's current value along. A write to the
   * same key between the read and the MExpire can therefore be undone on the memory driver.
   */
  async mexpire(keys: Iterable<string>, ttl: Ttl): Promise<string[]> {
    const list = this.#keys('mexpire', keys)
    const timeout = this.#expiry('mexpire', ttl)
    if (list.length === 0) return []
    const current = await this.#call('mexpire', 'kv.MGet', list.map((key) => ({ key })))
    if (current.length === 0) return []
    await this.#call(
      'mexpire',
      'kv.MExpire',
      current.map((i) => ({ key: i.key, value: i.value ?? new Uint8Array(), timeout })),
    )
    return current.map((i) => i.key)
  }

  /** When a key expires: a Date, or `null` when it exists without expiry or does not exist. */
  async ttl(key: string): Promise<Date | null> {
    return (await this.ttlMany([key])).get(key) ?? null
  }

  /**
   * Expiry times of the keys that have one. Keys without expiry and missing keys are left out (rr's
   * redis driver omits them, its memory driver reports them with an empty time; both end up the same).
   */
  async ttlMany(keys: Iterable<string>): Promise<Map<string, Date>> {
    const list = this.#keys('ttl', keys)
    const out = new Map<string, Date>()
    await this.#supported('ttl')
    if (list.length === 0) return out
    for (const item of await this.#call('ttl', 'kv.TTL', list.map((key) => ({ key })))) {
      if (!item.timeout) continue
      const at = new Date(item.timeout)
      if (!Number.isNaN(at.getTime())) out.set(item.key, at)
    }
    return out
  }

  /** Deletes keys (missing keys are fine). */
  async delete(keys: string | Iterable<string>): Promise<void> {
    const list = this.#keys('delete', typeof keys === 'string' ? [keys] : keys)
    if (list.length === 0) return
    await this.#call('delete', 'kv.Delete', list.map((key) => ({ key })))
  }

  /**
   * Empties the storage. On the redis driver this is `FLUSHDB`: it wipes the whole Redis database
   * the storage points at (`db`), including keys rr did not write. Give such a storage its own db.
   */
  async clear(): Promise<void> {
    await this.#call('clear', 'kv.Clear', [])
  }

  /** The driver rr runs this storage with (from rr's configuration), or undefined if rr does not say. */
  driver(): Promise<string | undefined> {
    this.#driver ??= this.client
      .callRaw('rpc.Config', new Uint8Array(), { timeoutMs: this.#timeoutMs })
      .then((bytes) => {
        const config = JSON.parse(bytes.toString('utf8')) as { kv?: Record<string, { driver?: unknown }> }
        const driver = config.kv?.[this.name]?.driver
        return typeof driver === 'string' ? driver : undefined
      })
      .catch(() => {
        this.#driver = undefined // retry next time: rr may have been unreachable
        return undefined
      })
    return this.#driver
  }

  async #supported(operation: KvOperation): Promise<void> {
    const driver = await this.driver()
    const why = driver === undefined ? undefined : UNSUPPORTED[driver]?.[operation]
    if (why !== undefined && driver !== undefined) throw new KvUnsupportedError(this.name, operation, driver, why)
  }

  #keys(operation: KvOperation, keys: Iterable<string>): string[] {
    const list = [...keys]
    for (const key of list) {
      if (typeof key !== 'string' || key.trim() === '') {
        throw new KvError(
          'KV_BAD_INPUT',
          this.name,
          operation,
          `KV key must be a non-empty string, got ${JSON.stringify(key) ?? String(key)} (rr rejects empty and blank keys)`,
        )
      }
    }
    return list
  }

  /**
   * The RFC 3339 expiry rr wants. mexpire needs 2 s: rr's memory driver panics (and the whole rr
   * process exits) when an MExpire arrives less than 1 s ahead, so it gets a second of slack.
   */
  #expiry(operation: KvOperation, ttl: Ttl): string {
    const min = operation === 'mexpire' ? 2 : 1
    const at = ttl instanceof Date ? ttl.getTime() : Date.now() + ttl * 1000
    const ahead = (at - Date.now()) / 1000
    if (!Number.isFinite(at) || !(ahead >= min - 0.001)) {
      throw new KvError(
        'KV_BAD_INPUT',
        this.name,
        operation,
        `KV ttl for ${operation}() must be at least ${min} second${min > 1 ? 's' : ''} ahead, got ` +
          `${ttl instanceof Date ? ttl.toISOString() : `${ttl} s`}: rr's memory driver keeps sub-second expiries ` +
          `forever (set) and crashes on them (mexpire). Use delete() to remove a key now`,
      )
    }
    return new Date(at + EXPIRY_MARGIN_MS).toISOString()
  }

  #serialize(key: string, value: T): Uint8Array {
    try {
      return this.serializer.serialize(value)
    } catch (err) {
      throw new KvError('KV_SERIALIZE', this.name, 'set', `cannot serialize the value of "${key}" with the ${this.serializer.name} serializer: ${(err as Error).message}`, { cause: err })
    }
  }

  #deserialize(key: string, bytes: Uint8Array): T {
    try {
      return this.serializer.deserialize(bytes)
    } catch (err) {
      throw new KvError(
        'KV_SERIALIZE',
        this.name,
        'get',
        `the value of "${key}" in storage "${this.name}" is not valid for the ${this.serializer.name} serializer ` +
          `(${(err as Error).message}); was it written with another serializer?`,
        { cause: err },
      )
    }
  }

  async #call(operation: KvOperation, method: string, items: WireItem[]): Promise<WireItem[]> {
    const body = encode(types('kv.v1.Request'), { storage: this.name, items })
    let reply: Buffer
    try {
      reply = await this.client.callProto(method, body, { timeoutMs: this.#timeoutMs })
    } catch (err) {
      if (err instanceof RpcServiceError && /no such storage|no storage provided/.test(err.rrMessage)) {
        throw new KvError(
          'KV_NO_STORAGE',
          this.name,
          operation,
          `rr has no KV storage "${this.name}": declare it in .rr.yaml, e.g. kv: { ${this.name}: { driver: memory, config: {} } }`,
          { cause: err },
        )
      }
      throw err
    }
    if (reply.length === 0) return []
    const ResponseType = types('kv.v1.Response')
    const decoded = ResponseType.toObject(ResponseType.decode(reply), { defaults: true }) as { items: WireItem[] }
    return decoded.items
  }
}
