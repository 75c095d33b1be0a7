/**
 * Centrifugo's server API through rr: every call goes to rr's RPC service `centrifuge` (PROTO
 * codec), which forwards it to Centrifugo's gRPC API (`centrifuge.grpc_api_address`). Works from
 * any process that reaches rr's `rpc.listen` (workers get it as RR_RPC).
 * Field names are Centrifugo's (snake_case), as in `proto/centrifugo/api/v1/api.proto`.
 * @module
 */
import { RpcServiceError, type RpcClient, type CallOptions } from '../rpc/index.js'
import { CentrifugoApiError, CentrifugoUnsupportedError } from './errors.js'
import type { BytesLike, SubscribeOptionOverride } from './messages.js'
import { apiType, decodeMessage, encodeMessage } from './proto.js'

export interface PublishOptions {
  skip_history?: boolean
  tags?: Record<string, string>
  idempotency_key?: string
}

/** Where a publication landed in the channel's history stream (offset 0 without history). */
export interface StreamPosition {
  offset: number
  epoch: string
}

export interface SubscribeOptions {
  /** Only this connection of the user (default: all of them). */
  client?: string
  session?: string
  expire_at?: number
  info?: BytesLike
  data?: BytesLike
  recover_since?: StreamPosition
  override?: SubscribeOptionOverride
}

export interface ConnectionTarget {
  /** Only this connection of the user. */
  client?: string
  session?: string
}

export interface DisconnectOptions extends ConnectionTarget {
  /** Disconnect code; without code and reason Centrifugo sends 3503 "force disconnect". */
  code?: number
  reason?: string
  /** Connection ids to keep. */
  whitelist?: string[]
}

export interface RefreshOptions extends ConnectionTarget {
  expired?: boolean
  expire_at?: number
  info?: BytesLike
}

/** A client in a channel's presence. `conn_info`/`chan_info` are the raw info bytes. */
export interface ClientInfo {
  user: string
  client: string
  conn_info: Buffer
  chan_info: Buffer
}

export interface HistoryOptions {
  limit?: number
  since?: StreamPosition
  reverse?: boolean
}

export interface HistoryPublication {
  data: Buffer
  info: ClientInfo | null
  offset: number
  tags: Record<string, string>
}

/** One result of a broadcast, per channel, in the order given. */
export type BroadcastResult = { result: StreamPosition; error?: undefined } | { error: CentrifugoApiError; result?: undefined }

type ApiResponse<R> = { error: { code: number; message: string } | null; result: R | null }

/**
 * @example
 * import { RpcClient } from 'pionia/rpc'
 * import { CentrifugoApi } from 'pionia/centrifugo'
 * const api = new CentrifugoApi(new RpcClient(process.env.RR_RPC))
 * await api.publish('moonlight:tasks', { id: 7, title: 'Ship it' })
 */
export class CentrifugoApi {
  constructor(
    readonly rpc: RpcClient,
    readonly options: CallOptions = {},
  ) {}

  /** Publishes `data` (JSON value, or bytes as is) into a channel. */
  async publish(channel: string, data: BytesLike, options: PublishOptions = {}): Promise<StreamPosition> {
    const r = await this.#call<StreamPosition>('Publish', { channel, data, ...options })
    return { offset: r?.offset ?? 0, epoch: r?.epoch ?? '' }
  }

  /** Publishes the same data into several channels; per-channel failures are returned, not thrown. */
  async broadcast(channels: string[], data: BytesLike, options: PublishOptions = {}): Promise<BroadcastResult[]> {
    const r = await this.#call<{ responses: ApiResponse<StreamPosition>[] }>('Broadcast', { channels, data, ...options })
    return (r?.responses ?? []).map((x, i) =>
      x.error && x.error.code
        ? { error: new CentrifugoApiError(`Broadcast[${channels[i]}]`, x.error.code, x.error.message) }
        : { result: { offset: x.result?.offset ?? 0, epoch: x.result?.epoch ?? '' } },
    )
  }

  /** Subscribes every connection of `user` (or one `client`) to `channel`, server-side. */
  async subscribe(user: string, channel: string, options: SubscribeOptions = {}): Promise<void> {
    await this.#call('Subscribe', { user, channel, ...options })
  }

  /** Unsubscribes `user` (or one `client`) from `channel`. */
  async unsubscribe(user: string, channel: string, options: ConnectionTarget = {}): Promise<void> {
    await this.#call('Unsubscribe', { user, channel, ...options })
  }

  /**
   * Disconnects every connection of `user` (or one `client`). Without a code Centrifugo uses 3503
   * "force disconnect"; codes 3500..3999 and 4500..4999 stop the client from reconnecting.
   */
  async disconnect(user: string, options: DisconnectOptions = {}): Promise<void> {
    const { code, reason, ...rest } = options
    const disconnect = code === undefined && reason === undefined ? undefined : { code: code ?? 0, reason: reason ?? '' }
    await this.#call('Disconnect', { user, disconnect, ...rest })
  }

  /** Extends (or expires) the connections of `user`, like a refresh proxy reply. */
  async refresh(user: string, options: RefreshOptions = {}): Promise<void> {
    await this.#call('Refresh', { user, ...options })
  }

  /** Who is in a channel (needs `presence: true` in the channel's namespace), by connection id. */
  async presence(channel: string): Promise<Record<string, ClientInfo>> {
    const r = await this.#call<{ presence: Record<string, ClientInfo> }>('Presence', { channel })
    return r?.presence ?? {}
  }

  /** How many connections and distinct users are in a channel. */
  async presenceStats(channel: string): Promise<{ num_clients: number; num_users: number }> {
    const r = await this.#call<{ num_clients: number; num_users: number }>('PresenceStats', { channel })
    return { num_clients: r?.num_clients ?? 0, num_users: r?.num_users ?? 0 }
  }

  /** A channel's history (needs `history_size` and `history_ttl` in its namespace). */
  async history(channel: string, options: HistoryOptions = {}): Promise<{ publications: HistoryPublication[] } & StreamPosition> {
    const r = await this.#call<{ publications: HistoryPublication[]; epoch: string; offset: number }>('History', { channel, ...options })
    return { publications: r?.publications ?? [], epoch: r?.epoch ?? '', offset: r?.offset ?? 0 }
  }

  /** Active channels (with at least one subscriber), optionally filtered by a glob `pattern`. */
  async channels(pattern = ''): Promise<Record<string, { num_clients: number }>> {
    const r = await this.#call<{ channels: Record<string, { num_clients: number }> }>('Channels', { pattern })
    return r?.channels ?? {}
  }

  /**
   * Blocks a user (until `expire_at`, Unix seconds; 0 = forever) and disconnects them. A Centrifugo
   * PRO method: Centrifugo OSS answers Unimplemented, thrown as {@link CentrifugoUnsupportedError}.
   */
  async blockUser(user: string, options: { expire_at?: number } = {}): Promise<void> {
    await this.#call('BlockUser', { user, ...options })
  }

  /** Lifts a block (Centrifugo PRO, like {@link CentrifugoApi.blockUser}). */
  async unblockUser(user: string): Promise<void> {
    await this.#call('UnblockUser', { user })
  }

  /** Encodes, calls `centrifuge.<method>`, decodes, and turns an API `error` into a throw. */
  async #call<R>(method: string, request: object): Promise<R | null> {
    const bytes = encodeMessage(apiType(method + 'Request'), request)
    let raw: Buffer
    try {
      raw = await this.rpc.callProto(`centrifuge.${method}`, bytes, this.options)
    } catch (err) {
      if (err instanceof RpcServiceError && /code = Unimplemented/.test(err.rrMessage)) {
        throw new CentrifugoUnsupportedError(method, err.rrMessage)
      }
      throw err
    }
    const res = decodeMessage<ApiResponse<R>>(apiType(method + 'Response'), raw)
    if (res.error && res.error.code) throw new CentrifugoApiError(method, res.error.code, res.error.message)
    return res.result
  }
}
