/**
 * Errors of the centrifugo layer. Two of them are replies in disguise: throw {@link ProxyError} or
 * {@link ProxyDisconnect} from a proxy handler to refuse or disconnect, from any depth.
 * @module
 */

/**
 * Thrown from a proxy handler: Centrifugo refuses the operation with this code and message.
 * @example
 * throw new ProxyError(403, 'only members may subscribe')
 */
export class ProxyError extends Error {
  override readonly name = 'ProxyError'
  constructor(
    readonly code: number,
    message: string,
    readonly temporary = false,
  ) {
    super(message)
  }
}

/**
 * Thrown from a proxy handler: Centrifugo closes the client connection with this code and reason.
 * @example
 * throw new ProxyDisconnect(4501, 'unauthorized')
 */
export class ProxyDisconnect extends Error {
  override readonly name = 'ProxyDisconnect'
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`disconnect ${code}: ${reason}`)
  }
}

/** A frame from rr that is not a Centrifugo proxy request this SDK can read. */
export class CentrifugoFrameError extends Error {
  override readonly name = 'CentrifugoFrameError'
  readonly code = 'RR_ERR_CENTRIFUGO_FRAME'
}

/** A handler tried to stream its reply; rr's centrifuge plugin accepts exactly one reply frame. */
export class CentrifugoStreamingError extends Error {
  override readonly name = 'CentrifugoStreamingError'
  readonly code = 'RR_ERR_CENTRIFUGO_STREAM'
  constructor(event: string) {
    super(
      `the ${event} handler returned a stream, but rr's centrifuge plugin does not support streaming replies ` +
        `(it answers "streaming response not supported", and Centrifugo's subscribe streams are not proxied by rr). ` +
        `Return one reply object; push later updates with the server API (CentrifugoApi.publish).`,
    )
  }
}

/** Centrifugo's server API answered with an error (its `error` field), e.g. 102 unknown channel. */
export class CentrifugoApiError extends Error {
  override readonly name = 'CentrifugoApiError'
  constructor(
    readonly method: string,
    readonly code: number,
    readonly apiMessage: string,
  ) {
    super(`Centrifugo ${method} failed with error ${code}: ${apiMessage}`)
  }
}

/**
 * The Centrifugo server does not implement an API method (gRPC Unimplemented). Centrifugo OSS
 * leaves some methods to Centrifugo PRO: BlockUser/UnblockUser, user status, push notifications.
 */
export class CentrifugoUnsupportedError extends Error {
  override readonly name = 'CentrifugoUnsupportedError'
  constructor(
    readonly method: string,
    readonly rrMessage: string,
  ) {
    super(
      `this Centrifugo server does not implement ${method} (${rrMessage}). Centrifugo OSS leaves ${method} to Centrifugo PRO; ` +
        (method === 'BlockUser' || method === 'UnblockUser'
          ? 'with OSS, refuse the user in onConnect and call disconnect(user) instead'
          : 'run Centrifugo PRO or do without this call'),
    )
  }
}
