/**
 * One consistent, cheap view of the settings. Settings re-checks the files with a `stat` on every
 * read; a request reads a dozen keys (maintenance, CORS, codes, debug…), so it works on a snapshot
 * (sections, .env and the environment variables it reads, all from memory) and on the values
 * derived from it (the API base, CORS, flags), each computed once per snapshot.
 * {@link LiveSettings} hands every request the current snapshot: the same one while nothing changed.
 * @module
 */
import { statSync } from 'node:fs'
import { Settings, type Sections } from '../../config/settings.js'

/** Settings frozen at construction: sections(), dotenv() and env() answer from memory. */
export class SettingsSnapshot extends Settings {
  readonly #sections: Sections
  readonly #dotenv: Record<string, string>
  readonly #env = new Map<string, string | undefined>()
  readonly #derived = new Map<string, unknown>()

  constructor(base: Settings) {
    super(base.root)
    this.#sections = base.sections()
    this.#dotenv = base.dotenv()
  }

  override sections(): Sections {
    return this.#sections
  }

  override dotenv(): Record<string, string> {
    return this.#dotenv
  }

  override env(name: string): string | undefined {
    if (this.#env.has(name)) return this.#env.get(name)
    const v = super.env(name)
    this.#env.set(name, v)
    return v
  }

  /** A value computed from this snapshot, once (`key` names what `compute` computes). */
  derived<T>(key: string, compute: (settings: Settings) => T): T {
    if (this.#derived.has(key)) return this.#derived.get(key) as T
    const v = compute(this)
    this.#derived.set(key, v)
    return v
  }
}

/** `compute(settings)`, computed once per snapshot when `settings` is one (else every time). */
export function derived<T>(settings: Settings, key: string, compute: (settings: Settings) => T): T {
  return settings instanceof SettingsSnapshot ? settings.derived(key, compute) : compute(settings)
}

/** statSync options: a missing settings.ini is undefined, not a throw (one object for every request). */
const NO_THROW = { throwIfNoEntry: false } as const

/** How long .env and the process environment are taken as unchanged (settings.ini is checked on every request). */
export const RECHECK_MS = 1000

/**
 * The settings of an app as each request should see them, for one `stat` of settings.ini per
 * request: a change to settings.ini (`maintenance:on`) applies from the next request on; a change
 * to environment/.env or to `process.env` within {@link RECHECK_MS}. While nothing changed every
 * request gets the same snapshot. A Settings subclass (`createApp({ settings })`) may read from
 * anywhere, so it gets a fresh snapshot per request instead.
 */
export class LiveSettings {
  readonly #base: Settings
  readonly #plain: boolean
  #view: SettingsSnapshot | undefined
  #mtimeMs = 0
  #size = 0
  #at = 0

  constructor(base: Settings) {
    this.#base = base
    this.#plain = Object.getPrototypeOf(base) === Settings.prototype
  }

  /** The snapshot for a request starting now. */
  current(): SettingsSnapshot {
    if (!this.#plain) return new SettingsSnapshot(this.#base)
    const st = statSync(this.#base.iniPath, NO_THROW)
    const mtimeMs = st ? st.mtimeMs : -1
    const size = st ? st.size : -1
    const now = performance.now()
    let view = this.#view
    if (!view || mtimeMs !== this.#mtimeMs || size !== this.#size || now - this.#at >= RECHECK_MS) {
      view = new SettingsSnapshot(this.#base)
      this.#view = view
      this.#mtimeMs = mtimeMs
      this.#size = size
      this.#at = now
    }
    return view
  }
}
