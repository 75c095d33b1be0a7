/**
 * Which app serves the current call: the one of the request scope, else the last one created. The
 * façade registers itself here, so `moonlight()`, `cache()` and `realtime()` find it without importing it.
 * @module
 */
import type { MoonlightApp } from './context.js'
import { currentScope } from './defer.js'

let lastApp: MoonlightApp | undefined

/** Records the most recently created app (called by the façade's constructor). */
export function registerApp(app: MoonlightApp): void {
  lastApp = app
}

/** The app of the current request, else the last one created, else undefined. */
export function findApp(): MoonlightApp | undefined {
  return (currentScope()?.app as MoonlightApp | undefined) ?? lastApp
}

/** The app of the current request, else the last one created. */
export function currentApp(): MoonlightApp {
  const app = findApp()
  if (!app) throw new Error('No Moonlight app exists yet: call createApp() before moonlight()')
  return app
}
