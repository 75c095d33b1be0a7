/**
 * One consistent, cheap view of the settings. Settings re-checks the files with a `stat` on every
 * read; a request reads a dozen keys (maintenance, CORS, codes, debug…), so it works on a snapshot
 * (sections, .env and the environment variables it reads, all from memory) and on the values
 * derived from it (the API base, CORS, flags), each computed once per snapshot.
 * {@link LiveSettings} hands every request the current snapshot: the same one while nothing changed.
 * @module
 */
import { statSync, watch, type FSWatcher } from 'node:fs'
import { basename, dirname } from 'node:path'
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

/**
 * How long .env and the process environment are taken as unchanged; under rr, also the longest a
 * change to settings.ini goes unseen where the file system sends no change events (see LiveSettings).
 */
export const RECHECK_MS = 1000

/**
 * The settings of an app as each request should see them: a change to settings.ini
 * (`maintenance:on`) applies from the next request on; a change to environment/.env or to
 * `process.env` within {@link RECHECK_MS}. While nothing changed every request gets the same
 * snapshot. A Settings subclass (`createApp({ settings })`) may read from anywhere, so it gets a
 * fresh snapshot per request instead.
 *
 * How a change is noticed. In an rr worker (`RR_MODE` set) the folder of settings.ini is watched
 * (inotify): a change event marks the snapshot stale, and no request pays a `stat`. That is exact
 * there because every request reaches the worker through rr's pipe, and the kernel queues the
 * change event when the file is written, before any request sent after the write; the event loop
 * hands the event over first. A `stat` every {@link RECHECK_MS} covers file systems that send no
 * events (a network mount changed from another machine): an unref'd timer marks it due, so a
 * watched request reads no clock either. Elsewhere (`pionia serve`, `app.fetch` in
 * a test that writes the file and calls it in the same tick) every request takes one `stat` of
 * settings.ini, as does an rr worker whose watch could not start.
 */
export class LiveSettings {
  readonly #base: Settings
  readonly #plain: boolean
  #view: SettingsSnapshot | undefined
  #mtimeMs = 0
  #size = 0
  #ino = 0
  #at = 0
  /** The folder watch, while it runs. */
  #watcher: FSWatcher | undefined
  /** While watching: marks the snapshot due for its {@link RECHECK_MS} `stat` and re-read. */
  #tick: ReturnType<typeof setInterval> | undefined
  /** A change event came since the last stat. */
  #changed = true
  /** The watch's tick came since the last stat. */
  #due = false

  constructor(base: Settings, options: { watch?: boolean } = {}) {
    this.#base = base
    this.#plain = Object.getPrototypeOf(base) === Settings.prototype
    if (this.#plain && (options.watch ?? process.env.RR_MODE !== undefined)) this.#watch()
  }

  /** The snapshot for a request starting now. */
  current(): SettingsSnapshot {
    if (!this.#plain) return new SettingsSnapshot(this.#base)
    let view = this.#view
    // Watched: no clock and no stat until an event or the tick says so.
    if (view !== undefined && this.#watcher !== undefined && !this.#changed && !this.#due) return view
    // Cleared before the stat: an event for a write after it marks the snapshot stale again.
    this.#changed = false
    const now = performance.now()
    const due = this.#due || now - this.#at >= RECHECK_MS
    this.#due = false
    const st = statSync(this.#base.iniPath, NO_THROW)
    const mtimeMs = st ? st.mtimeMs : -1
    const size = st ? st.size : -1
    const ino = st ? st.ino : -1
    if (!view || mtimeMs !== this.#mtimeMs || size !== this.#size || ino !== this.#ino || due) {
      view = new SettingsSnapshot(this.#base)
      this.#view = view
      this.#mtimeMs = mtimeMs
      this.#size = size
      this.#ino = ino
      this.#at = now
    }
    return view
  }

  /** True while settings.ini changes are watched (no `stat` per request). */
  get watching(): boolean {
    return this.#watcher !== undefined
  }

  /** Stops the watch (a stat per request from then on). */
  close(): void {
    this.#watcher?.close()
    this.#watcher = undefined
    clearInterval(this.#tick)
    this.#tick = undefined
  }

  #watch(): void {
    const file = basename(this.#base.iniPath)
    try {
      // Not persistent: the watch never keeps a worker alive. The folder, not the file, so that an
      // editor's or a deploy's replace-by-rename is seen; `..data` is a Kubernetes ConfigMap swap.
      const w = watch(dirname(this.#base.iniPath), { persistent: false }, (_event, name) => {
        if (name === null || name === file || name.startsWith('..')) this.#changed = true
      })
      w.on('error', () => {
        // The folder went away, or the watch broke: back to a stat per request.
        this.#changed = true
        if (this.#watcher === w) this.close()
      })
      this.#watcher = w
      // Unref'd like the watch: it never keeps a worker alive.
      this.#tick = setInterval(() => {
        this.#due = true
      }, RECHECK_MS).unref()
    } catch {
      // No folder yet, no inotify watches left (ENOSPC), or no support: a stat per request.
      this.#watcher = undefined
    }
  }
}
