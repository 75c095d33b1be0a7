/**
 * Moonlight's `cache()`: rr's KV storage and locks under rr, an in-process map elsewhere.
 * @module
 */
export { cache, MoonlightCache, type CacheOptions, type AttemptResult } from './cache.js'
