/**
 * `[realtime]` settings, read fresh on every call (a settings.ini change applies without a restart,
 * like `[jobs]`).
 * @module
 */
import { isTruthy, type Settings } from '../../config/settings.js'
import { rrRpcAddress } from '../settings/rpc.js'
import { DEFAULT_RPC_ADDRESS } from '../../config/rr-rpc.js'

/** `[realtime]` as read now. */
export interface RealtimeConfig {
  /** `ENABLED` (env REALTIME_ENABLED as fallback); default false. */
  enabled: boolean
  /** `CHANNEL_PREFIX`; default `moonlight` (channels like `moonlight:tasks`). */
  channelPrefix: string
  /** rr's RPC address for publishing: inside rr the worker's RR_RPC (a different `RPC` is logged once), else `RPC`, else tcp://127.0.0.1:6001. */
  rpc: string
  /** `ALLOW_ANONYMOUS`: connections without a token are accepted as anonymous; default true. */
  allowAnonymous: boolean
  /** `WEBSOCKET_URL`: Centrifugo's WebSocket endpoint as browsers reach it (the board page uses it). */
  websocketUrl: string | null
}

/** Reads `[realtime]`. */
export function realtimeConfig(settings: Settings): RealtimeConfig {
  const get = (k: string) => settings.get('realtime', k)
  const prefix = (get('CHANNEL_PREFIX') ?? '').trim() || 'moonlight'
  if (!/^[-a-zA-Z0-9_.]{2,}$/.test(prefix)) {
    throw new Error(
      `[realtime] CHANNEL_PREFIX = "${prefix}" cannot be a Centrifugo namespace: use 2+ characters of letters, digits, - _ . (e.g. moonlight)`,
    )
  }
  const anon = get('ALLOW_ANONYMOUS')
  return {
    enabled: isTruthy(get('ENABLED') ?? settings.env('REALTIME_ENABLED')),
    channelPrefix: prefix,
    rpc: rrRpcAddress('realtime', get('RPC'), settings.env('RR_RPC') ?? DEFAULT_RPC_ADDRESS)!,
    allowAnonymous: anon === undefined ? true : isTruthy(anon),
    websocketUrl: get('WEBSOCKET_URL') ?? settings.env('REALTIME_WEBSOCKET_URL') ?? null,
  }
}

/**
 * The channel of a name under the prefix: `serviceChannel(settings, 'tasks')` → `moonlight:tasks`.
 * The prefix is the Centrifugo namespace, so Centrifugo's config must declare it.
 */
export function serviceChannel(settings: Settings, name: string): string {
  if (!name || /[:\s]/.test(name)) throw new Error(`realtime channel name "${name}" must be non-empty without ':' or spaces (e.g. tasks)`)
  return `${realtimeConfig(settings).channelPrefix}:${name}`
}
