/**
 * The RR_MODE=centrifuge worker of a Moonlight app: Centrifugo's proxy events answered with the
 * app's own rules. Connect authenticates with the same JWT as HTTP; RPC calls carry Moonlight frames
 * and get the HTTP envelope back; clients may subscribe to `<CHANNEL_PREFIX>:*` channels but not
 * publish there (the server does, through RealtimeGateway).
 *
 * The client sends its JWT as connect data `{token}` (or an `Authorization: Bearer` header that
 * Centrifugo forwards: list `authorization` in the connect proxy's `http_headers`/`emulated_headers`).
 * The token is kept in the connection's meta (server-side only) and checked again on every RPC and
 * refresh, so set `include_connection_meta: true` on Centrifugo's rpc and refresh proxies.
 * @module
 */
import type { MoonlightApp } from '../core/context.js'
import { authenticate, jwtAuthentication, contextUser, type AuthBackend, type ContextUser } from '../auth/index.js'
import { response } from '../core/envelope.js'
import { centrifugoHandler, reply, ProxyError, type ProxyContext } from '../../centrifugo/index.js'
import type { PayloadHandler } from '../../worker/index.js'
import { realtimeConfig } from './config.js'
import { MoonlightFrameHandler } from './frame-handler.js'

export interface MoonlightCentrifugeOptions {
  /** Auth backends for connect tokens (default: the built-in JWT backend, as over HTTP). */
  auth?: AuthBackend[]
  /**
   * Extra subscribe rule, after the built-in ones (channel under the prefix). Return false to
   * refuse with 403.
   */
  canSubscribe?: (channel: string, user: ContextUser | null) => boolean | Promise<boolean>
}

/** Codes the client sees. 45xx: the JS client does not reconnect. */
const UNAUTHORIZED = { code: 4501, reason: 'unauthorized' }
const DISABLED = { code: 4503, reason: 'realtime is disabled' }

interface ConnectionMeta {
  token?: string
}

function bearer(value: string | undefined): string | undefined {
  const m = value ? /^Bearer\s+(\S+)$/i.exec(value.trim()) : null
  return m?.[1]
}

/** The JWT of a connect request: Authorization metadata first, then connect data `{token}`. */
function connectToken(ctx: ProxyContext<'connect'>): string | undefined {
  const fromHeader = bearer(ctx.header('authorization'))
  if (fromHeader) return fromHeader
  let data: unknown
  try {
    data = ctx.data()
  } catch {
    return undefined
  }
  if (data && typeof data === 'object') {
    const d = data as Record<string, unknown>
    if (typeof d.token === 'string' && d.token) return d.token
    if (typeof d.authorization === 'string') return bearer(d.authorization) ?? d.authorization
  }
  return undefined
}

function readMeta(meta: Uint8Array): ConnectionMeta {
  if (!meta.length) return {}
  try {
    const m = JSON.parse(Buffer.from(meta).toString('utf8')) as unknown
    return m && typeof m === 'object' ? (m as ConnectionMeta) : {}
  } catch {
    return {}
  }
}

function userId(user: ContextUser): string {
  const u = user.user as { id?: unknown } | string | number
  const id = typeof u === 'object' && u !== null ? u.id : u
  return String(id ?? '')
}

function expiry(user: ContextUser): number {
  const exp = user.authExtra.exp
  return typeof exp === 'number' && Number.isFinite(exp) ? Math.floor(exp) : 0
}

/**
 * @example
 * // worker.ts
 * import { moonlightCentrifugeHandler } from 'pionia/moonlight/realtime'
 * await serve({ http: app, modes: { centrifuge: moonlightCentrifugeHandler(app) } })
 */
export function moonlightCentrifugeHandler(app: MoonlightApp, options: MoonlightCentrifugeOptions = {}): PayloadHandler {
  const backends = options.auth ?? [jwtAuthentication()]
  const frames = new MoonlightFrameHandler(app)

  const verify = (token: string, service?: string, action?: string): Promise<ContextUser | null> =>
    authenticate(
      backends,
      {
        request: new Request('http://realtime.invalid/', { headers: { authorization: `Bearer ${token}` } }),
        service,
        action,
        settings: app.settings,
      },
      (err, name) => app.logger.error(`realtime auth backend ${name} failed: ${err instanceof Error ? err.message : String(err)}`),
    )

  /** The caller of a non-connect event: the token from meta re-checked, else the user Centrifugo names. */
  const caller = async (user: string, meta: Uint8Array, service?: string, action?: string): Promise<ContextUser | null> => {
    const { token } = readMeta(meta)
    if (token) return verify(token, service, action)
    // No meta (include_connection_meta off): Centrifugo still vouches for the user our connect accepted.
    return user ? contextUser({ id: user }) : null
  }

  return centrifugoHandler({
    async onConnect(_req, ctx) {
      const cfg = realtimeConfig(app.settings)
      if (!cfg.enabled) return reply.disconnect(DISABLED.code, `${DISABLED.reason} ([realtime] ENABLED = false)`)
      const token = connectToken(ctx)
      if (!token) {
        if (cfg.allowAnonymous) return reply.result({ user: '' })
        return reply.disconnect(UNAUTHORIZED.code, `${UNAUTHORIZED.reason}: send a token`)
      }
      const user = await verify(token)
      if (!user) return reply.disconnect(UNAUTHORIZED.code, UNAUTHORIZED.reason)
      const u = user.user as { username?: unknown }
      return reply.result({
        user: userId(user),
        expire_at: expiry(user),
        info: { username: u?.username ?? null },
        meta: { token } satisfies ConnectionMeta,
      })
    },

    async onRefresh(req) {
      const { token } = readMeta(req.meta)
      if (!token) return reply.result({ expired: false })
      const user = await verify(token)
      return user ? reply.result({ expire_at: expiry(user) }) : reply.result({ expired: true })
    },

    async onSubscribe(req) {
      const cfg = realtimeConfig(app.settings)
      if (!cfg.enabled) throw new ProxyError(403, 'realtime is disabled')
      if (!req.channel.startsWith(`${cfg.channelPrefix}:`)) {
        throw new ProxyError(403, `permission denied: clients may subscribe to ${cfg.channelPrefix}:* channels only`)
      }
      if (options.canSubscribe) {
        const user = await caller(req.user, req.meta)
        if (!(await options.canSubscribe(req.channel, user))) throw new ProxyError(403, `permission denied: ${req.channel}`)
      }
      return undefined
    },

    onSubRefresh() {
      return reply.result({ expired: false })
    },

    onPublish(req) {
      throw new ProxyError(403, `clients cannot publish to ${req.channel}: call an action instead; the server publishes the result`)
    },

    async onRPC(req, ctx) {
      let frame: unknown
      try {
        frame = ctx.data() ?? {}
      } catch {
        return reply.result({ data: response(400, 'The RPC data must be a JSON object like {"service":"task","action":"list"}') })
      }
      // `rpc('task.list', {...})`: the method may name the service and action.
      const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(req.method)
      if (m && frame && typeof frame === 'object' && !Array.isArray(frame) && !('service' in frame) && !('action' in frame)) {
        frame = { service: m[1], action: m[2], data: frame }
      }
      const f = frame as { service?: unknown; action?: unknown }
      const user = await caller(req.user, req.meta, typeof f?.service === 'string' ? f.service : undefined, typeof f?.action === 'string' ? f.action : undefined)
      return reply.result({ data: await frames.handle(frame, user) })
    },
  })
}
