/**
 * CORS from `[cors]`: allowed_origins (default `*`), allowed_headers (`*`), allowed_methods
 * (`GET, POST, OPTIONS`), credentials (`true`), max_age (86400). Unlike the PHP code, a matching
 * origin is echoed alone (browsers reject a comma list) with `Vary: Origin`, and an origin not in the
 * list gets no allow-origin header at all.
 * @module
 */
import type { Settings } from '../../config/settings.js'
import { isTruthy } from '../../config/settings.js'

/** CORS headers for a request with this Origin header. */
export function corsHeaders(settings: Settings, origin: string | null): Record<string, string> {
  const get = (k: string, d: string) => settings.get('cors', k) ?? d
  const origins = get('allowed_origins', '*').split(',').map((o) => o.trim()).filter(Boolean)
  const headers: Record<string, string> = {
    'Access-Control-Allow-Headers': get('allowed_headers', '*'),
    'Access-Control-Allow-Methods': get('allowed_methods', 'GET, POST, OPTIONS'),
    'Access-Control-Max-Age': get('max_age', '86400'),
  }
  if (origins.includes('*')) {
    headers['Access-Control-Allow-Origin'] = '*'
  } else if (origin && origins.includes(origin)) {
    headers['Access-Control-Allow-Origin'] = origin
    headers['Vary'] = 'Origin'
    if (isTruthy(get('credentials', 'true'))) headers['Access-Control-Allow-Credentials'] = 'true'
  }
  return headers
}
