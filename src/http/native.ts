/**
 * Node's own `Request` and `Response` (undici), loaded on first need.
 *
 * Node defines these globals as lazy getters: the first read loads undici, about 35-40 ms of a
 * worker's start. A fetch handler answering `Response.json()` or `new Response('text')` on the
 * light Response never needs them, so the worker reads them only when something does (a native
 * body method, `clone()`, `new Headers`, a native Response returned by the handler).
 *
 * The getters are captured when this module loads, before `installLightResponse` replaces
 * `globalThis.Response`: reading the original getter later must neither lose the native class
 * nor undo what was assigned to the global since (Node's getter redefines the global as it loads).
 * @module
 */

type Name = 'Request' | 'Response'

function lazyGlobal<T>(name: Name): () => T {
  const original = Object.getOwnPropertyDescriptor(globalThis, name)
  let value: T | undefined = original && !original.get ? (original.value as T) : undefined
  return () => {
    if (value !== undefined) return value
    if (!original?.get) {
      throw new Error(`this Node.js has no global ${name} (pionia needs Node.js >= 20.5): upgrade Node.js`)
    }
    const now = Object.getOwnPropertyDescriptor(globalThis, name)
    value = original.get.call(globalThis) as T
    // Node's getter set the global to the native class. If something else was assigned since (the
    // light Response, a polyfill), put it back.
    if (now && now.get !== original.get) Object.defineProperty(globalThis, name, now)
    return value
  }
}

/** Node's native `Response` class (loads undici on the first call). */
export const nativeResponse: () => typeof Response = lazyGlobal<typeof Response>('Response')

/** Node's native `Request` class (loads undici on the first call). */
export const nativeRequest: () => typeof Request = lazyGlobal<typeof Request>('Request')
