/**
 * rr's lock plugin: named locks shared by every worker and process that reaches rr's RPC (the
 * `lock.*` methods, protobuf `lock.v1beta1`). Exclusive locks and read (shared) locks, each held by
 * an id, with a lifetime (ttl) and a wait for acquisition.
 *
 * Times are in seconds (fractions allowed) here and microseconds on the wire, as rr wants them.
 * @module
 */
import type * as nodeCrypto from 'node:crypto'
import { lazyRequire } from '../../util/lazy-require.js'
import { descriptor } from '../../generated/lock-v1beta1.js'
import type { RpcClient } from '../client.js'
import { encode, lazyTypes } from './proto-types.js'

/** node:crypto loads on first use, not with the worker. */
const crypto = lazyRequire<typeof nodeCrypto>('node:crypto')

const types = lazyTypes(descriptor)

export interface LockOptions {
  /** The holder's id (default: a new UUID, returned on success). */
  id?: string
  /** Seconds the lock lives unless released or extended; 0 (default): until released. */
  ttl?: number
  /**
   * Seconds to wait for the lock; 0 (default): a single try within 1 ms. That 1 ms includes
   * queueing for rr's global lock mutex, so under concurrent lock calls a free resource can be
   * refused with wait 0: pass a small wait (0.1 s) when you want the lock whenever it is free.
   */
  wait?: number
}

/** `withLock` could not acquire the lock within its wait. */
export class LockNotAcquiredError extends Error {
  override readonly name = 'LockNotAcquiredError'
  readonly resource: string
  readonly wait: number
  constructor(resource: string, wait: number) {
    super(`could not acquire the lock "${resource}" within ${wait} s: another holder has it; retry later or pass a longer wait`)
    this.resource = resource
    this.wait = wait
  }
}

/** Extra RPC time on top of a lock's wait, so the call does not time out while rr is still waiting. */
const RPC_SLACK_MS = 5_000
/**
 * The wait sent with release, forceRelease, exists and updateTTL, in seconds. These never wait for
 * the lock itself, only for rr's internal mutexes; without a wait rr gives them 1 ms, and a busy
 * rr can then answer false for a lock that is there.
 */
const OPERATION_WAIT = 1

/**
 * @example
 * import { RpcClient, locks } from 'pionia/rpc'
 * const l = locks(new RpcClient())
 * const id = await l.lock('invoice:42', { ttl: 10, wait: 5 })
 * if (id) try { ... } finally { await l.release('invoice:42', id) }
 */
export class Locks {
  readonly client: RpcClient
  readonly #timeoutMs: number | undefined

  constructor(client: RpcClient, options: { timeoutMs?: number } = {}) {
    this.client = client
    this.#timeoutMs = options.timeoutMs
  }

  /**
   * Takes the exclusive lock on `resource`; resolves with the holder id, or `null` if another
   * holder kept it for the whole wait. A read lock held by the same id is promoted.
   */
  async lock(resource: string, options: LockOptions = {}): Promise<string | null> {
    return this.#acquire('lock.Lock', resource, options)
  }

  /**
   * Takes a read (shared) lock: any number of readers, no writer. Resolves with the id or `null`.
   * Do not mix read locks with contending writers on one resource: in rr's lock plugin (v5.1.9) a
   * `lock()` that waits on two or more readers blocks their `release()`, and if its wait runs out
   * the resource stays unusable until rr restarts (the readers expire by their ttl, but every later
   * lock, release and forceRelease on it fails). One reader at a time is safe.
   */
  async lockRead(resource: string, options: LockOptions = {}): Promise<string | null> {
    return this.#acquire('lock.LockRead', resource, options)
  }

  /**
   * Releases the lock `id` holds on `resource`; false when that id holds nothing there. rr frees
   * the lock just after answering, so a waiting `lock()` (wait > 0) gets it; a zero-wait try made
   * immediately afterwards may still find it taken.
   */
  async release(resource: string, id: string): Promise<boolean> {
    return this.#ok('lock.Release', { ...this.#request(resource, id, 'release'), wait: micros('wait', OPERATION_WAIT) })
  }

  /** Releases every lock on `resource`, whoever holds it; false when there is none. */
  async forceRelease(resource: string): Promise<boolean> {
    return this.#ok('lock.ForceRelease', { ...this.#request(resource, '*', 'forceRelease'), wait: micros('wait', OPERATION_WAIT) })
  }

  /** Whether `id` holds a lock on `resource`; with the default `'*'`, whether anyone does. */
  async exists(resource: string, id = '*'): Promise<boolean> {
    return this.#ok('lock.Exists', { ...this.#request(resource, id, 'exists'), wait: micros('wait', OPERATION_WAIT) })
  }

  /** Gives the lock `id` holds a new lifetime of `ttl` seconds from now (0: until released). */
  async updateTTL(resource: string, id: string, ttl: number): Promise<boolean> {
    return this.#ok('lock.UpdateTTL', { ...this.#request(resource, id, 'updateTTL'), ttl: micros('ttl', ttl), wait: micros('wait', OPERATION_WAIT) })
  }

  /**
   * Runs `fn` while holding the exclusive lock, and releases it afterwards (also when `fn` throws).
   * Throws `LockNotAcquiredError` when the lock cannot be taken within `wait`.
   */
  async withLock<R>(resource: string, fn: () => R | Promise<R>, options: LockOptions = {}): Promise<R> {
    const id = await this.lock(resource, options)
    if (id === null) throw new LockNotAcquiredError(resource, options.wait ?? 0)
    try {
      return await fn()
    } finally {
      await this.release(resource, id)
    }
  }

  async #acquire(method: string, resource: string, options: LockOptions): Promise<string | null> {
    const id = options.id ?? crypto().randomUUID()
    const wait = options.wait ?? 0
    const req = { ...this.#request(resource, id, method), ttl: micros('ttl', options.ttl ?? 0), wait: micros('wait', wait) }
    const timeoutMs = this.#timeoutMs ?? Math.max(30_000, wait * 1000 + RPC_SLACK_MS)
    return (await this.#ok(method, req, timeoutMs)) ? id : null
  }

  #request(resource: string, id: string, operation: string): { resource: string; id: string } {
    if (typeof resource !== 'string' || resource === '') {
      throw new TypeError(`${operation}: the lock resource must be a non-empty string, got ${JSON.stringify(resource)}`)
    }
    if (typeof id !== 'string' || id === '') {
      throw new TypeError(`${operation}: the lock id must be a non-empty string (rr rejects empty ids), got ${JSON.stringify(id)}`)
    }
    return { resource, id }
  }

  async #ok(method: string, request: Record<string, unknown>, timeoutMs = this.#timeoutMs): Promise<boolean> {
    const body = encode(types('lock.v1beta1.Request'), request)
    const reply = await this.client.callProto(method, body, { timeoutMs })
    const ResponseType = types('lock.v1beta1.Response')
    return (ResponseType.toObject(ResponseType.decode(reply), { defaults: true }) as { ok: boolean }).ok
  }
}

/** Seconds → rr's microseconds, refusing what rr would misread. */
function micros(name: 'ttl' | 'wait', seconds: number): number {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    throw new TypeError(`lock ${name} must be a finite number of seconds ≥ 0, got ${String(seconds)}`)
  }
  return Math.round(seconds * 1_000_000)
}

/** The lock service of the rr that `client` talks to. */
export function locks(client: RpcClient, options?: { timeoutMs?: number }): Locks {
  return new Locks(client, options)
}
