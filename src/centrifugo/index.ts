/**
 * Realtime with Centrifugo behind rr's centrifuge plugin: typed proxy handlers for RR_MODE=centrifuge
 * workers (connect, refresh, subscribe, publish, rpc, sub_refresh) and the server API over rr RPC.
 * @module
 */
export { centrifugoHandler, encodeReply, reply, type CentrifugoHandlers, type ProxyContext, type ProxyHandler } from './handler.js'
export { decodeProxyFrame, decodeContext, type ProxyFrame, type Metadata } from './request.js'
export { CentrifugoApi } from './api.js'
export type {
  PublishOptions,
  StreamPosition,
  SubscribeOptions as ApiSubscribeOptions,
  ConnectionTarget,
  DisconnectOptions,
  RefreshOptions,
  ClientInfo,
  HistoryOptions,
  HistoryPublication,
  BroadcastResult,
} from './api.js'
export { ProxyError, ProxyDisconnect, CentrifugoFrameError, CentrifugoStreamingError, CentrifugoApiError, CentrifugoUnsupportedError } from './errors.js'
export type * from './messages.js'
