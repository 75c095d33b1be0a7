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
    if (sym in proto) continue
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
