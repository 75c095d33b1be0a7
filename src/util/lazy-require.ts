/**
 * CommonJS packages a worker may never need before its first answer (msgpack-lite, protobufjs) are
 * required on first use instead of imported at start: each is dozens of files to resolve, read and
 * compile. `require` stays synchronous, so the APIs built on them keep their shape.
 * @module
 */
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

/** A getter that requires `pkg` at its first call and returns the same module every time. */
export function lazyRequire<T>(pkg: string): () => T {
  let mod: T | undefined
  return () => (mod ??= require(pkg) as T)
}
