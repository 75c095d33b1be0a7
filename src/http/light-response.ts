/**
 * The light Response ({@link LightResponse}, see lazy-response.ts) and Node's native Response
 * class next to it. Importing this module loads the native class (undici); the worker's own path
 * imports lazy-response.ts, which loads it only on first need.
 * @module
 */
import { nativeResponse } from './native.js'

export { LightResponse, installLightResponse, uninstallLightResponse, keptBody, defaultContentType, type KeptBody } from './lazy-response.js'

/** Node's native `Response` (undici), whatever `globalThis.Response` is now. */
export const NativeResponse: typeof Response = nativeResponse()
