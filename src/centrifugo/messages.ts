/**
 * The Centrifugo proxy messages a worker sees, as plain objects with Centrifugo's own field names
 * (snake_case, as in `proto/centrifugo/proxy/v1/proxy.proto`). Requests are decoded with every
 * field present (empty string, empty bytes, 0, false, [] when unset); results may leave fields out.
 * @module
 */

/** Which proxy call a frame carries: rr puts it in the context's `type` key. */
export type ProxyEventType = 'connect' | 'refresh' | 'subscribe' | 'publish' | 'rpc' | 'subrefresh' | 'notifychannelstate'

/**
 * A bytes field in a result. `Uint8Array` goes out as is; any other value is JSON-encoded, which is
 * what Centrifugo's JSON client protocol needs for `data`/`info` (they must be valid JSON).
 */
export type BytesLike = Uint8Array | string | number | boolean | null | object

/** Fields every client-originated request carries. */
export interface ClientFields {
  /** Centrifugo's connection id. */
  client: string
  /** `websocket`, `http_stream`, `sse`, … */
  transport: string
  /** `json` or `protobuf`. */
  protocol: string
  /** `json` or `binary` (binary_encoding proxies send base64 in `b64*` fields instead of bytes). */
  encoding: string
}

export interface ConnectRequest extends ClientFields {
  /** What the client passed as `data` in its connect command (JSON bytes with the JSON protocol). */
  data: Uint8Array
  b64data: string
  /** Client library name (`js` for centrifuge-js). */
  name: string
  version: string
  /** Channels the client asks to be subscribed to server-side. */
  channels: string[]
}

export interface RefreshRequest extends ClientFields {
  user: string
  meta: Uint8Array
}

export interface SubscribeRequest extends ClientFields {
  user: string
  channel: string
  /** A subscription token, if the client sent one (the proxy normally sees none). */
  token: string
  meta: Uint8Array
  /** What the client passed as subscription `data`. */
  data: Uint8Array
  b64data: string
}

export interface PublishRequest extends ClientFields {
  user: string
  channel: string
  /** The publication the client wants to send. */
  data: Uint8Array
  b64data: string
  meta: Uint8Array
}

export interface RPCRequest extends ClientFields {
  user: string
  method: string
  /** The RPC params (JSON bytes with the JSON protocol). */
  data: Uint8Array
  b64data: string
  meta: Uint8Array
}

export interface SubRefreshRequest extends ClientFields {
  user: string
  channel: string
  meta: Uint8Array
}

export interface ChannelEvent {
  time_ms: number
  channel: string
  /** `occupied` or `vacated`. */
  type: string
}

export interface NotifyChannelStateRequest {
  events: ChannelEvent[]
}

/** Overrides a namespace option for one subscription (`{ value: true }` = on). */
export interface SubscribeOptionOverride {
  presence?: { value: boolean }
  join_leave?: { value: boolean }
  force_recovery?: { value: boolean }
  force_positioning?: { value: boolean }
  force_push_join_leave?: { value: boolean }
}

export interface SubscribeOptions {
  expire_at?: number
  info?: BytesLike
  b64info?: string
  data?: BytesLike
  b64data?: string
  override?: SubscribeOptionOverride
}

export interface ChannelsCapability {
  channels?: string[]
  allow?: string[]
  match?: string
}

export interface ConnectResult {
  /** The authenticated user id; `''` makes the connection anonymous. */
  user: string
  /** Unix seconds when the connection expires (0 = never); enables the refresh proxy. */
  expire_at?: number
  info?: BytesLike
  b64info?: string
  /** Sent to the client in its connect reply. */
  data?: BytesLike
  b64data?: string
  /** Server-side subscriptions. */
  channels?: string[]
  subs?: Record<string, SubscribeOptions>
  meta?: BytesLike
  caps?: ChannelsCapability[]
}

export interface RefreshResult {
  expired?: boolean
  expire_at?: number
  info?: BytesLike
  b64info?: string
  meta?: BytesLike
  caps?: ChannelsCapability[]
}

export interface SubscribeResult {
  expire_at?: number
  info?: BytesLike
  b64info?: string
  data?: BytesLike
  b64data?: string
  override?: SubscribeOptionOverride
  allow?: string[]
}

export interface PublishResult {
  /** Replaces the client's publication data. */
  data?: BytesLike
  b64data?: string
  skip_history?: boolean
}

export interface RPCResult {
  /** The RPC answer the client receives. */
  data?: BytesLike
  b64data?: string
}

export interface SubRefreshResult {
  expired?: boolean
  expire_at?: number
  info?: BytesLike
  b64info?: string
}

/** Refuses the operation. Use codes >= 400 for your own errors (Centrifugo uses 100..399). */
export interface ProxyErrorReply {
  code: number
  message: string
  /** The client may retry (for connect: the JS client reconnects). */
  temporary?: boolean
}

/** Closes the connection. Codes 4000..4499 let the client reconnect, 4500..4999 do not. */
export interface ProxyDisconnectReply {
  code: number
  reason: string
}

/** What a handler answers: exactly one of result, error or disconnect (or nothing). */
export type Reply<R> =
  | { result: R; error?: undefined; disconnect?: undefined }
  | { error: ProxyErrorReply; result?: undefined; disconnect?: undefined }
  | { disconnect: ProxyDisconnectReply; result?: undefined; error?: undefined }

/** Maps each event type to its request and result message. */
export interface ProxyEventMap {
  connect: { request: ConnectRequest; result: ConnectResult }
  refresh: { request: RefreshRequest; result: RefreshResult }
  subscribe: { request: SubscribeRequest; result: SubscribeResult }
  publish: { request: PublishRequest; result: PublishResult }
  rpc: { request: RPCRequest; result: RPCResult }
  subrefresh: { request: SubRefreshRequest; result: SubRefreshResult }
  notifychannelstate: { request: NotifyChannelStateRequest; result: Record<string, never> }
}
