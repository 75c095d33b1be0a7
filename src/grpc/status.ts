/**
 * gRPC status codes and the error a handler throws to answer with one (code, message, details).
 * @module
 */

/** The gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
export const Status = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const

export type StatusCode = (typeof Status)[keyof typeof Status]

/**
 * One entry of `google.rpc.Status.details`: a message packed in a `google.protobuf.Any`.
 * `value` is either the encoded message, or a plain object encoded with `type` from the loaded
 * .proto files (so `type` must be defined in, or imported by, a file that `.rr.yaml` grpc.proto lists).
 */
export interface GrpcErrorDetail {
  /** Full message name, e.g. `google.rpc.BadRequest` (the type URL is `type.googleapis.com/<type>`). */
  type: string
  value: Uint8Array | Record<string, unknown>
}

/**
 * Thrown by a handler to end the call with a status other than OK; rr returns it to the client as
 * `grpc-status`, `grpc-message` and `grpc-status-details-bin`.
 * @example
 * import { GrpcError, Status } from 'pionia/grpc'
 * throw new GrpcError(Status.NOT_FOUND, `task ${id} does not exist`)
 */
export class GrpcError extends Error {
  override readonly name = 'GrpcError'
  constructor(
    readonly code: StatusCode,
    message: string,
    readonly details: readonly GrpcErrorDetail[] = [],
  ) {
    super(message)
    if (!Number.isInteger(code) || code < 1 || code > 16) {
      throw new TypeError(`GrpcError code must be a gRPC status from 1 to 16 (use Status.*), got ${String(code)}`)
    }
  }
}

/** Thrown by serveGrpc() at startup when handlers and .proto files disagree, or no .proto can be read. */
export class GrpcSetupError extends Error {
  override readonly name = 'GrpcSetupError'
  readonly code = 'RR_ERR_GRPC_SETUP'
}
