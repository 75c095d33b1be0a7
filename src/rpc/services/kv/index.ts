/**
 * rr's KV plugin from TypeScript: named storages shared by every worker (memory, redis, boltdb,
 * memcached drivers), with pluggable serializers.
 * @module
 */
import type { RpcClient } from '../../client.js'
import { KvStorage, type KvStorageOptions } from './storage.js'

export { KvStorage, UNSUPPORTED, EXPIRY_MARGIN_MS, type KvOperation, type KvStorageOptions, type SetOptions, type Ttl } from './storage.js'
export { KvError, KvUnsupportedError, type KvErrorCode } from './errors.js'
export { jsonSerializer, msgpackSerializer, rawSerializer, type Serializer } from './serializer.js'

/**
 * The storage `name` (a key of `kv:` in .rr.yaml).
 * @example
 * import { RpcClient, kv } from 'pionia/rpc'
 * const users = kv<{ name: string }>(new RpcClient(), 'local')
 * await users.set('u:1', { name: 'Alex' }, { ttl: 300 })
 */
export function kv<T = unknown>(client: RpcClient, name: string, options?: KvStorageOptions<T>): KvStorage<T> {
  return new KvStorage<T>(client, name, options)
}
