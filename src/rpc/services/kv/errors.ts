/**
 * KV errors that say what went wrong and how to fix it. Failures rr reports for other reasons stay
 * `RpcServiceError`s (rr's text in `rrMessage`).
 * @module
 */

export type KvErrorCode = 'KV_NO_STORAGE' | 'KV_UNSUPPORTED' | 'KV_BAD_INPUT' | 'KV_SERIALIZE'

/** A KV operation was refused, by the client (bad input) or because rr lacks the storage or the operation. */
export class KvError extends Error {
  override readonly name = 'KvError'
  readonly code: KvErrorCode
  /** The storage name (`kv.<storage>` in .rr.yaml). */
  readonly storage: string
  /** The operation, e.g. `ttl`, `set`. */
  readonly operation: string
  constructor(code: KvErrorCode, storage: string, operation: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.storage = storage
    this.operation = operation
  }
}

/** The storage's driver cannot do this operation (e.g. `ttl` on memcached). */
export class KvUnsupportedError extends KvError {
  /** The driver rr runs the storage with. */
  readonly driver: string
  constructor(storage: string, operation: string, driver: string, why: string) {
    super(
      'KV_UNSUPPORTED',
      storage,
      operation,
      `KV storage "${storage}" uses the ${driver} driver, which does not support ${operation}(): ${why}`,
    )
    this.driver = driver
  }
}
