/**
 * pionia/client: a typed client of a Moonlight app, for browsers and Node (only `fetch`; nothing of
 * the server is imported, the app is seen through its type).
 * @module
 */
export { createClient, type ClientOptions } from './client.js'
export { MoonlightError, isMoonlightError } from './error.js'
export type { Client, ServiceClient, ActionCall, ActionData, ActionResult, ActionNames, CallInit, SwitchesOf, VersionOf, DefaultVersion } from './app-types.js'
export type { DataOf, FieldType } from './rule-types.js'
