/**
 * What a handler gets besides the request: call names, metadata in, headers/trailers out, and the
 * time rr gives the call (deadline/signal from exec_ttl).
 * @module
 */

/** Per call; cheap to make (the signal and deadline are built only when read). */
export interface GrpcContext {
  /** `pkg.Service`. */
  readonly service: string
  /** `Method`. */
  readonly method: string
  /**
   * Request metadata as rr passes it: lowercase keys, every value a list (`authorization`,
   * `user-agent`, custom keys, `:authority`, plus rr's `:peer.address` and `:peer.auth-type`).
   */
  readonly metadata: Readonly<Record<string, readonly string[]>>
  /** First value of a metadata key (lowercase), or undefined. */
  get(key: string): string | undefined
  /** The client's address as rr saw it (`:peer.address`). */
  readonly peer: string | undefined
  /**
   * When rr stops waiting for this worker: now + `grpc.pool.supervisor.exec_ttl` (rr kills the
   * worker then). Undefined without exec_ttl. The client's own deadline is not sent to workers
   * (grpc-go keeps `grpc-timeout`); rr cancels the call for the client when it passes.
   */
  readonly deadline: Date | undefined
  /** Aborts at `deadline` (never, without exec_ttl). Pass it to fetch/DB calls. */
  readonly signal: AbortSignal
  /** Adds a response header (sent before the message). Values are strings; one value per key. */
  setHeader(key: string, value: string): void
  /** Adds a response trailer (sent with the status, also on errors). */
  setTrailer(key: string, value: string): void
}

const NEVER = new AbortController().signal

export class CallContextImpl implements GrpcContext {
  headers: Record<string, string> | undefined
  trailers: Record<string, string> | undefined
  #signal: AbortSignal | undefined
  readonly #start = Date.now()

  constructor(
    readonly service: string,
    readonly method: string,
    readonly metadata: Record<string, string[]>,
    readonly execTtlMs: number | undefined,
  ) {}

  get(key: string): string | undefined {
    return this.metadata[key.toLowerCase()]?.[0]
  }

  get peer(): string | undefined {
    return this.metadata[':peer.address']?.[0]
  }

  get deadline(): Date | undefined {
    return this.execTtlMs === undefined ? undefined : new Date(this.#start + this.execTtlMs)
  }

  get signal(): AbortSignal {
    if (this.execTtlMs === undefined) return NEVER
    return (this.#signal ??= AbortSignal.timeout(Math.max(0, this.#start + this.execTtlMs - Date.now())))
  }

  setHeader(key: string, value: string): void {
    ;(this.headers ??= {})[key.toLowerCase()] = checked(key, value)
  }

  setTrailer(key: string, value: string): void {
    ;(this.trailers ??= {})[key.toLowerCase()] = checked(key, value)
  }
}

/** gRPC metadata values are printable ASCII; rr forwards them unchanged and clients reject others. */
function checked(key: string, value: string): string {
  const v = String(value)
  if (/[^\x20-\x7e]/.test(v) || key.toLowerCase().endsWith('-bin')) {
    throw new TypeError(
      `grpc metadata "${key}": values must be printable ASCII and keys must not end in -bin (rr passes strings only); ` +
        `encode the value first, e.g. encodeURIComponent(value) or base64 under a key without -bin`,
    )
  }
  return v
}
