/**
 * How KV values become bytes. rr stores opaque bytes, so every process that shares a storage must
 * use the same serializer (JSON by default, readable from PHP and redis-cli alike).
 * @module
 */
import { Buffer } from 'node:buffer'
import type msgpackLite from 'msgpack-lite'
import { lazyRequire } from '../../../util/lazy-require.js'

const msgpack = lazyRequire<typeof msgpackLite>('msgpack-lite')

/** Turns values into the bytes rr stores, and back. */
export interface Serializer<T = unknown> {
  /** A short name used in error messages. */
  readonly name: string
  serialize(value: T): Uint8Array
  deserialize(bytes: Uint8Array): T
}

/** JSON text (UTF-8). Rejects `undefined`, which JSON cannot carry. */
export const jsonSerializer: Serializer<unknown> = {
  name: 'json',
  serialize(value) {
    const text = JSON.stringify(value)
    if (text === undefined) throw new TypeError(`cannot store ${typeof value} as JSON: store null, or delete the key instead`)
    return Buffer.from(text, 'utf8')
  },
  deserialize(bytes) {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'))
  },
}

/** MessagePack: smaller than JSON and keeps Buffers as binary. */
export const msgpackSerializer: Serializer<unknown> = {
  name: 'msgpack',
  serialize: (value) => msgpack().encode(value),
  deserialize: (bytes) => msgpack().decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)),
}

/** No conversion: you store and get back raw bytes (strings are stored as UTF-8). */
export const rawSerializer: Serializer<Uint8Array | string> = {
  name: 'raw',
  serialize: (value) => (typeof value === 'string' ? Buffer.from(value, 'utf8') : value),
  deserialize: (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
}
