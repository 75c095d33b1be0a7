/**
 * One consistent, cheap view of the settings for one request. Settings re-checks the files with a
 * `stat` on every read; a request reads a dozen keys (maintenance, CORS, codes, debug…), so it takes
 * a snapshot once (two stats) and reads from memory. Still fresh per request: a change to
 * settings.ini or .env applies from the next request on.
 * @module
 */
import { existsSync } from 'node:fs'
import { Settings, type Sections } from '../../config/settings.js'

/** Settings frozen at construction: sections() and dotenv() answer from memory. */
export class SettingsSnapshot extends Settings {
  readonly #sections: Sections
  readonly #dotenv: Record<string, string>

  constructor(base: Settings) {
    super(base.root)
    this.#sections = base.sections()
    // Settings.dotenv() stats with an exception when the file is missing (common in production,
    // where the environment holds the values); existsSync answers that case without one.
    this.#dotenv = existsSync(base.envPath) ? base.dotenv() : {}
  }

  override sections(): Sections {
    return this.#sections
  }

  override dotenv(): Record<string, string> {
    return this.#dotenv
  }
}
