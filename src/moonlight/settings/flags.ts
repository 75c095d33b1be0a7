/**
 * The app-wide switches Moonlight reads from settings on every call: debug, the API base path and
 * classic status mode. Pure functions of one Settings view; on a request's snapshot each is
 * computed once per snapshot (no stat, no environment read, no regex per call).
 * @module
 */
import { isTruthy, type Settings } from '../../config/settings.js'
import { derived } from './snapshot.js'

const debugOf = (settings: Settings): boolean => isTruthy(settings.env('DEBUG') ?? settings.env('APP_DEBUG'))

/** True when DEBUG/APP_DEBUG is on, unless the app forced it (`createApp({ debug })`). */
export function debugFlag(settings: Settings, forced: boolean | undefined): boolean {
  return forced ?? derived(settings, 'debug', debugOf)
}

const apiBaseRaw = (settings: Settings): string => {
  const b = settings.env('API_BASE') ?? '/api/'
  return `/${b.replace(/^\/+|\/+$/g, '')}/`.replace('//', '/')
}

/** The API base path, `/api/` unless API_BASE says otherwise (always with both slashes). */
export function apiBaseOf(settings: Settings): string {
  return derived(settings, 'apiBase', apiBaseRaw)
}

const classicOf = (settings: Settings): boolean =>
  (settings.get('server', 'HTTP_STATUS') ?? settings.env('HTTP_STATUS') ?? '').toLowerCase() === 'classic'

/** `[server] HTTP_STATUS = classic`: every envelope is sent with HTTP 200, as the PHP code does. */
export function classicStatusOf(settings: Settings): boolean {
  return derived(settings, 'classicStatus', classicOf)
}
