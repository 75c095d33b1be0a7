/**
 * Loads a project's app module in a process started with the tsx loader (`serve`'s child,
 * `openapi`'s child): the default export or `app`, either an app or a factory returning one.
 * @module
 */
import { pathToFileURL } from 'node:url'
import type { Fetchable } from '../http/node-server.js'

/** The module's app, or null when it exports none. */
export async function loadApp(file: string): Promise<(Fetchable & { close?: () => unknown }) | null> {
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>
  for (const candidate of [mod.default, mod.app]) {
    const value = typeof candidate === 'function' && !(candidate as { prototype?: { fetch?: unknown } }).prototype?.fetch
      ? await (candidate as () => unknown)()
      : candidate
    if (value && typeof (value as Fetchable).fetch === 'function') return value as Fetchable
  }
  return null
}

/** The message for a module without an app. */
export const noAppMessage = (file: string): string =>
  `${file} exports no Moonlight app: export default createApp(...) (or a function returning one), or export const app = ...`
