/**
 * MoonlightFrameHandler: a realtime frame (a Centrifugo RPC's data, a WebSocket message) in, the
 * same envelope as HTTP out. The frame names `service` and `action`; the params are `data` when it
 * is an object, else the rest of the frame (flat, like an HTTP JSON body).
 * @module
 */
import type { MoonlightApp } from '../core/context.js'
import type { ContextUser } from '../core/user.js'
import { response, type Envelope } from '../core/envelope.js'

/** What a frame may carry. Anything else in it is a flat param. */
export interface MoonlightFrame {
  service?: unknown
  action?: unknown
  data?: unknown
  /** API version (default: the app's first switch). */
  switch?: unknown
  [param: string]: unknown
}

const EXAMPLE = '{"service":"task","action":"list","data":{"status":"open"}}'

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array)
}

/**
 * @example
 * import { MoonlightFrameHandler } from 'pionia/moonlight/realtime'
 * const frames = new MoonlightFrameHandler(app)
 * const envelope = await frames.handle({ service: 'task', action: 'list' })
 */
export class MoonlightFrameHandler {
  constructor(readonly app: MoonlightApp) {}

  /**
   * Dispatches one frame through the app's registry as `auth` (null: anonymous). Never throws: a
   * malformed frame is a 400 envelope, and a failing action is rendered by the app's exception
   * pipeline exactly as over HTTP.
   */
  async handle(frame: unknown, auth: ContextUser | null = null): Promise<Envelope> {
    if (!isPlainObject(frame)) {
      return response(400, `A Moonlight frame must be a JSON object like ${EXAMPLE}; got ${Array.isArray(frame) ? 'an array' : frame === null ? 'null' : typeof frame}`)
    }
    const { service, action, data, switch: version, ...flat } = frame
    const missing = [typeof service === 'string' && service.trim() ? '' : 'service', typeof action === 'string' && action.trim() ? '' : 'action'].filter(Boolean)
    if (missing.length) {
      return response(400, `The frame has no ${missing.join(' and ')}: send ${EXAMPLE}`)
    }
    if (version !== undefined && typeof version !== 'string') {
      return response(400, `"switch" must be an API version string such as "v1"`)
    }
    // Params: `data` when it is an object, else the rest of the frame (a non-object `data` stays a flat param).
    const params = isPlainObject(data) ? data : data === undefined ? flat : { ...flat, data }
    return this.app.handle({
      service: (service as string).trim(),
      action: (action as string).trim(),
      data: params,
      switch: version,
      auth,
    })
  }
}
