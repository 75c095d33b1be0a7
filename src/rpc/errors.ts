/**
 * RPC errors. `RpcError` carries rr's own message (rr's services answer errors as text).
 * @module
 */

export type RpcErrorCode = 'RR_ERR_RPC' | 'RR_ERR_RPC_TIMEOUT' | 'RR_ERR_RPC_CONNECTION' | 'RR_ERR_RPC_PROTOCOL'

/** Base class of every RPC failure. */
export class RpcError extends Error {
  override readonly name: string = 'RpcError'
  readonly code: RpcErrorCode
  /** The method called, e.g. `jobs.Push`. */
  readonly method: string
  constructor(code: RpcErrorCode, method: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.method = method
  }
}

/** rr answered the call with an error: `rrMessage` is rr's text. */
export class RpcServiceError extends RpcError {
  override readonly name = 'RpcServiceError'
  readonly rrMessage: string
  constructor(method: string, rrMessage: string) {
    super('RR_ERR_RPC', method, `rr rejected ${method}: ${rrMessage}`)
    this.rrMessage = rrMessage
  }
}

/** No reply within the call's timeout. */
export class RpcTimeoutError extends RpcError {
  override readonly name = 'RpcTimeoutError'
  constructor(method: string, timeoutMs: number) {
    super('RR_ERR_RPC_TIMEOUT', method, `rr did not answer ${method} within ${timeoutMs} ms`)
  }
}

/** Could not reach rr, or the connection dropped while the call was pending. */
export class RpcConnectionError extends RpcError {
  override readonly name = 'RpcConnectionError'
  readonly address: string
  constructor(method: string, address: string, reason: string, cause?: unknown) {
    super(
      'RR_ERR_RPC_CONNECTION',
      method,
      `cannot call ${method} on rr at ${address}: ${reason}. Is rr running with an rpc section (rpc.listen) in .rr.yaml?`,
      { cause },
    )
    this.address = address
  }
}
