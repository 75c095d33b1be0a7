/**
 * CORS from `[cors]`: allowed_origins (default `*`), allowed_headers (`*`), allowed_methods
 * (`GET, POST, OPTIONS`), credentials (`true`), max_age (86400). Unlike the PHP code, a matching
 * origin is echoed alone (browsers reject a comma list) with `Vary: Origin`, and an origin not in the
 * list gets no allow-origin header at all. The section is read once per settings snapshot.
 * @module
 */
import type { Settings } from '../../config/settings.js'
import { isTruthy } from '../../config/settings.js'
import { derived } from '../settings/snapshot.js'

interface CorsConfig {
  /** The headers of a request without a listed origin (frozen: shared by requests). */
  readonly base: Readonly<Record<string, string>>
  /** `*` in allowed_origins: every request gets {@link base} (which then allows every origin). */
  readonly any: boolean
  readonly origins: readonly string[]
  readonly credentials: boolean
}

function corsConfig(settings: Settings): CorsConfig {
  const get = (k: string, d: string) => settings.get('cors', k) ?? d
  const origins = get('allowed_origins', '*').split(',').map((o) => o.trim()).filter(Boolean)
  const base: Record<string, string> = {
    'Access-Control-Allow-Headers': get('allowed_headers', '*'),
    'Access-Control-Allow-Methods': get('allowed_methods', 'GET, POST, OPTIONS'),
    'Access-Control-Max-Age': get('max_age', '86400'),
  }
  const any = origins.includes('*')
  if (any) base['Access-Control-Allow-Origin'] = '*'
  return { base: Object.freeze(base), any, origins, credentials: isTruthy(get('credentials', 'true')) }
}

/**
 * The CORS headers of a request, shared and frozen when they do not depend on its Origin: copy
 * before changing. `origin` is only read when allowed_origins is a list.
 */
export function corsFor(settings: Settings, origin: () => string | null): Readonly<Record<string, string>> {
  const c = derived(settings, 'cors', corsConfig)
  if (c.any) return c.base
  const o = origin()
  if (!o || !c.origins.includes(o)) return c.base
  const headers: Record<string, string> = { ...c.base, 'Access-Control-Allow-Origin': o, Vary: 'Origin' }
  if (c.credentials) headers['Access-Control-Allow-Credentials'] = 'true'
  return headers
}

/** CORS headers for a request with this Origin header (a new object). */
export function corsHeaders(settings: Settings, origin: string | null): Record<string, string> {
  return { ...corsFor(settings, () => origin) }
}
