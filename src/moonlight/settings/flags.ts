/**
 * The app-wide switches Moonlight reads from settings on every call: debug, the API base path and
 * classic status mode. Pure functions of one Settings view (a request's snapshot: no extra stat).
 * @module
 */
import { isTruthy, type Settings } from '../../config/settings.js'

/** True when DEBUG/APP_DEBUG is on, unless the app forced it (`createApp({ debug })`). */
export function debugFlag(settings: Settings, forced: boolean | undefined): boolean {
  return forced ?? isTruthy(settings.env('DEBUG') ?? settings.env('APP_DEBUG'))
}

/** The API base path, `/api/` unless API_BASE says otherwise (always with both slashes). */
export function apiBaseOf(settings: Settings): string {
  const b = settings.env('API_BASE') ?? '/api/'
  return `/${b.replace(/^\/+|\/+$/g, '')}/`.replace('//', '/')
}

/** `[server] HTTP_STATUS = classic`: every envelope is sent with HTTP 200, as the PHP code does. */
export function classicStatusOf(settings: Settings): boolean {
  return (settings.get('server', 'HTTP_STATUS') ?? settings.env('HTTP_STATUS') ?? '').toLowerCase() === 'classic'
}
