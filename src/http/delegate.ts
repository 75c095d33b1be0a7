/**
 * The lazy Request and Response share one trick: a class chained onto the native prototype that
 * implements the cheap members itself and forwards everything else to a native object it builds
 * on first need. This installs the forwarding members.
 * @module
 */

/**
 * Defines on `proto` every method and getter of `nativeProto` that `proto` does not have itself,
 * each calling the same member on `real(this)`. The symbol slots of `sample` (a native instance)
 * are forwarded too: native code that receives the lazy object reads its internals through them
 * (`new Request(lazyRequest)`, `fetch(lazyRequest)`).
 */
export function forwardMissing<T extends object>(proto: object, nativeProto: object, real: (self: T) => object, tag: string, sample: object): void {
  for (const sym of Object.getOwnPropertySymbols(sample)) {
    if (Object.prototype.hasOwnProperty.call(proto, sym)) continue
    Object.defineProperty(proto, sym, {
      configurable: true,
      get(this: T) {
        return (real(this) as Record<symbol, unknown>)[sym]
      },
    })
  }
  Object.setPrototypeOf(proto, nativeProto)
  for (const key of Object.getOwnPropertyNames(nativeProto)) {
    if (key === 'constructor' || Object.prototype.hasOwnProperty.call(proto, key)) continue
    const d = Object.getOwnPropertyDescriptor(nativeProto, key)!
    if (typeof d.value === 'function') {
      Object.defineProperty(proto, key, {
        configurable: true,
        writable: true,
        value: function (this: T, ...args: unknown[]) {
          return (real(this) as Record<string, (...a: unknown[]) => unknown>)[key]!(...args)
        },
      })
    } else if (d.get) {
      Object.defineProperty(proto, key, {
        configurable: true,
        get(this: T) {
          return (real(this) as Record<string, unknown>)[key]
        },
      })
    }
  }
  Object.defineProperty(proto, Symbol.toStringTag, { value: tag, configurable: true })
}

/** What {@link forwardOnFirstMiss} needs from the native side, built on first need. */
export interface NativeSide {
  proto: object
  sample: object
}

/**
 * {@link forwardMissing}, done on the first lookup that `proto` cannot answer itself, so loading
 * the native classes (undici: tens of ms of a worker's start) waits until something needs them.
 * Until then a proxy sits where the native prototype goes: any property get, `in`, assignment or
 * prototype walk that reaches it installs the forwarding members, puts the native prototype in its
 * place and answers from there, as the chain would have after an eager install. One exception, so
 * `await response` and async handlers do not load undici: `then`, which neither Request nor
 * Response has, is looked up on Object.prototype directly.
 */
export function forwardOnFirstMiss<T extends object>(proto: object, native: () => NativeSide, real: (self: T) => object, tag: string): void {
  let installed = false
  const install = (): object => {
    if (!installed) {
      const n = native()
      forwardMissing(proto, n.proto, real, tag, n.sample)
      installed = true
    }
    return Object.getPrototypeOf(proto) as object
  }
  Object.defineProperty(proto, Symbol.toStringTag, { value: tag, configurable: true })
  const pending = new Proxy(Object.create(null) as object, {
    get(_t, key, receiver) {
      if (key === 'then') return Reflect.get(Object.prototype, key, receiver)
      install()
      return Reflect.get(proto, key, receiver)
    },
    has(_t, key) {
      if (key === 'then') return Reflect.has(Object.prototype, key)
      install()
      return Reflect.has(proto, key)
    },
    set(_t, key, value, receiver) {
      install()
      return Reflect.set(proto, key, value, receiver)
    },
    getPrototypeOf() {
      return install()
    },
  })
  Object.setPrototypeOf(proto, pending)
}
