/**
 * One consistent, cheap view of the settings for one request. Settings re-checks the files with a
 * `stat` on every read; a request reads a dozen keys (maintenance, CORS, codes, debug…), so it takes
 * a snapshot once (one stat per file, no exception for a missing .env) and reads from memory, the
 * environment variables included. Still fresh per request: a change to settings.ini, .env or
 * process.env applies from the next request on.
 * @module
 */
import { Settings, type Sections } from '../../config/settings.js'

/** Settings frozen at construction: sections(), dotenv() and env() answer from memory. */
export class SettingsSnapshot extends Settings {
  readonly #sections: Sections
  readonly #dotenv: Record<string, string>
  readonly #env = new Map<string, string | undefined>()

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
}
