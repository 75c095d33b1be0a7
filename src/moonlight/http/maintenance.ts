/**
 * The maintenance gate: the first step of every request. Reads `[maintenance]` from settings.ini
 * through Settings (one stat per request; re-parsed only when the file changed) so running workers
 * see `maintenance:on/off` without a restart. Environment variables override the file.
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { Settings } from '../../config/settings.js'
import { isTruthy } from '../../config/settings.js'
import { derived } from '../settings/snapshot.js'
import { headerOf } from '../../http/request.js'

/** The 503 message when neither MESSAGE nor MAINTENANCE_MESSAGE is set. */
export const DEFAULT_MAINTENANCE_MESSAGE = 'The application is undergoing scheduled maintenance. Please try again shortly.'

/** The gate's configuration as read now. */
export interface MaintenanceState {
  enabled: boolean
  message: string
  retryAfter: string | undefined
  code: number
  bypassToken: string | undefined
}

function gateClosed(settings: Settings): boolean {
  const envMode = settings.env('MAINTENANCE_MODE')
  return envMode !== undefined ? isTruthy(envMode) : isTruthy(settings.get('maintenance', 'ENABLED'))
}

/** Whether the gate is closed now (env MAINTENANCE_MODE, else `[maintenance] ENABLED`): read once per settings snapshot. */
export function maintenanceOn(settings: Settings): boolean {
  return derived(settings, 'maintenanceOn', gateClosed)
}

/** Reads the state: env MAINTENANCE_* first, then `[maintenance]` (BYPASS_TOKEN, TOKEN or BYPASS). */
export function maintenanceState(settings: Settings): MaintenanceState {
  const ini = (k: string) => settings.get('maintenance', k)
  const envMode = settings.env('MAINTENANCE_MODE')
  const code = Number(settings.env('MAINTENANCE_CODE') ?? 503)
  return {
    enabled: envMode !== undefined ? isTruthy(envMode) : isTruthy(ini('ENABLED')),
    message: settings.env('MAINTENANCE_MESSAGE') ?? ini('MESSAGE') ?? DEFAULT_MAINTENANCE_MESSAGE,
    retryAfter: settings.env('MAINTENANCE_RETRY_AFTER') ?? ini('RETRY_AFTER') ?? undefined,
    code: Number.isInteger(code) && code >= 400 && code <= 599 ? code : 503,
    bypassToken:
      settings.env('MAINTENANCE_BYPASS_TOKEN') ?? settings.env('MAINTENANCE_BYPASS') ?? ini('BYPASS_TOKEN') ?? ini('TOKEN') ?? ini('BYPASS') ?? undefined,
  }
}

/** Constant-time string comparison (hashes first, so lengths do not leak either). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest()
  const hb = createHash('sha256').update(b).digest()
  return timingSafeEqual(ha, hb) && a.length === b.length
}

/** True when the client asks for JSON: `?json`, an API path, or an Accept header with JSON and no HTML. */
export function wantsJson(url: URL, request: Request, apiBase: string): boolean {
  if (url.searchParams.has('json')) return true
  if (url.pathname === apiBase.replace(/\/$/, '') || url.pathname.startsWith(apiBase)) return true
  const accept = headerOf(request, 'accept') ?? ''
  return accept.includes('json') && !accept.includes('html')
}

/** Whether this request passes the gate: off, exempt path, or a matching bypass token. */
export function bypasses(state: MaintenanceState, url: URL, request: Request): boolean {
  if (!state.enabled || url.pathname.startsWith('/__pionia/')) return true
  if (!state.bypassToken) return false
  const given = headerOf(request, 'x-maintenance-bypass') ?? url.searchParams.get('bypass')
  return given !== null && safeEqual(given, state.bypassToken)
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** The HTML page for browsers. */
export function maintenancePage(state: MaintenanceState, appName: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(appName)}: maintenance</title></head>` +
    `<body style="font-family:system-ui;max-width:40rem;margin:4rem auto"><h1>We'll be right back</h1><p>${escapeHtml(state.message)}</p>` +
    (state.retryAfter ? `<p>Please retry in ${escapeHtml(state.retryAfter)} seconds.</p>` : '') +
    `</body></html>`
}
