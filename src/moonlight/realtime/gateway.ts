/**
 * RealtimeGateway: publishes from app code into `<CHANNEL_PREFIX>:<name>` channels through rr's
 * RPC (`centrifuge.Publish`). It is a no-op while `[realtime] ENABLED` is off, and a failed publish
 * is logged, never thrown: a live update must not fail the request that caused it.
 * @module
 */
import type { MoonlightApp } from '../core/context.js'
import { currentApp } from '../core/current.js'
import { CentrifugoApi, type BytesLike, type PublishOptions, type StreamPosition } from '../../centrifugo/index.js'
import { RpcClient } from '../../rpc/index.js'
import { realtimeConfig, serviceChannel } from './config.js'

/** How long a publish may wait for rr (ms): long enough for a loaded box, short enough for a request. */
const PUBLISH_TIMEOUT_MS = 3000

/**
 * @example
 * import { realtime } from 'pionia/moonlight/realtime'
 * await realtime().publish('tasks', { event: 'task.created', task })   // → moonlight:tasks
 */
export class RealtimeGateway {
  #rpc: RpcClient | undefined
  #api: CentrifugoApi | undefined

  constructor(
    readonly app: MoonlightApp,
    api?: CentrifugoApi,
  ) {
    this.#api = api
    app.onShutdown(() => this.close())
  }

  /** `[realtime] ENABLED`, read now. */
  get enabled(): boolean {
    return realtimeConfig(this.app.settings).enabled
  }

  /** The full channel name for `name` (`tasks` → `moonlight:tasks`). */
  channel(name: string): string {
    return serviceChannel(this.app.settings, name)
  }

  /**
   * Publishes `data` into the channel `name` (under the prefix). Resolves with the stream position,
   * or null when realtime is disabled or the publish failed (logged as a warning).
   */
  async publish(name: string, data: BytesLike, options?: PublishOptions): Promise<StreamPosition | null> {
    if (!this.enabled) return null
    const channel = this.channel(name)
    try {
      return await this.#client().publish(channel, data, options)
    } catch (err) {
      this.app.logger.warn(`realtime publish to ${channel} failed: ${err instanceof Error ? err.message : String(err)}`)
      return null
    }
  }

  /** The server API (for calls beyond publish); connects to `[realtime] RPC` / RR_RPC. */
  get api(): CentrifugoApi {
    return this.#client()
  }

  /** Closes the RPC connection (the app's shutdown does this). */
  async close(): Promise<void> {
    const rpc = this.#rpc
    this.#rpc = undefined
    this.#api = undefined
    await rpc?.close()
  }

  #client(): CentrifugoApi {
    const address = realtimeConfig(this.app.settings).rpc
    if (this.#api && (!this.#rpc || this.#rpc.address === address)) return this.#api
    void this.#rpc?.close()
    this.#rpc = new RpcClient(address, { timeoutMs: PUBLISH_TIMEOUT_MS, connectAttempts: 1 })
    this.#api = new CentrifugoApi(this.#rpc)
    return this.#api
  }
}

const gateways = new WeakMap<MoonlightApp, RealtimeGateway>()

/** The gateway of `app` (default: the app of the current request, see `moonlight()`). */
export function realtime(app: MoonlightApp = currentApp()): RealtimeGateway {
  let g = gateways.get(app)
  if (!g) gateways.set(app, (g = new RealtimeGateway(app)))
  return g
}
