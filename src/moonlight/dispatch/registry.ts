/**
 * The registry of an app: switches (API versions) → service aliases → service classes.
 * @module
 */
import { Service, type ServiceClass } from './service.js'

/** Services of one switch: alias → class. */
export type SwitchMap = Record<string, ServiceClass>

/** Switches in registration order; the first is the default. */
export class SwitchRegistry {
  readonly #switches = new Map<string, SwitchMap>()

  /** Registers (or extends) a switch. The version is lower-cased and stripped to `[a-z0-9_]`. */
  add(version: string, services: SwitchMap): void {
    const v = version.toLowerCase().replace(/[^a-z0-9_]/g, '')
    if (!v) throw new Error(`Invalid switch version "${version}": use letters, digits or _ (e.g. v1)`)
    for (const [alias, cls] of Object.entries(services)) {
      if (typeof cls !== 'function' || !(cls.prototype instanceof Service)) {
        throw new Error(`Service "${alias}" of switch ${v} must be a class extending Service`)
      }
    }
    this.#switches.set(v, { ...(this.#switches.get(v) ?? {}), ...services })
  }

  has(version: string): boolean {
    return this.#switches.has(version)
  }

  /** The live map of one switch (not a copy: the call path reads it per request). */
  get(version: string): SwitchMap | undefined {
    return this.#switches.get(version)
  }

  /** Registered versions, in registration order. */
  versions(): string[] {
    return [...this.#switches.keys()]
  }

  /** The default version: the first registered, else `v1`. */
  get defaultVersion(): string {
    for (const v of this.#switches.keys()) return v
    return 'v1'
  }

  /** Services of a switch (a copy); without one, the merged map of all switches (later ones win). */
  services(version?: string): SwitchMap {
    if (version) return { ...(this.#switches.get(version) ?? {}) }
    return Object.assign({}, ...this.#switches.values()) as SwitchMap
  }
}
