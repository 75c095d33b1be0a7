/**
 * Loads a protobufjs type from a generated descriptor on first use, so a worker that never calls
 * the service pays nothing for it at start.
 * @module
 */
import type protobuf from 'protobufjs'
import { lazyRequire } from '../../util/lazy-require.js'

/** protobufjs itself loads with the first type built. */
export const protobufjs = lazyRequire<typeof protobuf>('protobufjs')

/** A getter for `name` in `descriptor`, built (and cached) at its first call. */
export function lazyTypes(descriptor: unknown): (name: string) => protobuf.Type {
  let root: protobuf.Root | undefined
  const types = new Map<string, protobuf.Type>()
  return (name) => {
    let type = types.get(name)
    if (!type) {
      root ??= protobufjs().Root.fromJSON(descriptor as protobuf.INamespace)
      type = root.lookupType(name)
      types.set(name, type)
    }
    return type
  }
}

/** Encodes a plain object as `type`. */
export function encode(type: protobuf.Type, value: Record<string, unknown>): Uint8Array {
  return type.encode(type.fromObject(value)).finish()
}
