/**
 * One connection per name per worker process, opened lazily and reused across requests. Handing a
 * connection out checks its cheap liveness flag (plus a `SELECT 1` after a long idle period) and
 * reopens it when it died. Call `disconnect()` at worker shutdown only, never per request.
 * @module
 */
import type { Settings } from '../../config/settings.js'
import type { Connection } from './connection.js'
import { dbConfig } from './config.js'
import { openSqlite } from './sqlite.js'
import { openPostgres } from './postgres.js'

/** A connection is pinged before reuse when it has been idle longer than this. */
const IDLE_PING_MS = 30_000

interface Entry {
  conn: Connection
  lastUsed: number
  /** Registered from outside: never reopened by the manager. */
  external: boolean
}

/**
 * The per-process pool.
 * @example
 * import { ConnectionManager } from 'pionia/moonlight'
 * const db = new ConnectionManager(app.settings)
 * const rows = await (await db.connection()).all('SELECT * FROM tasks WHERE status = ?', ['open'])
 * app.onShutdown(() => db.disconnect())
 */
export class ConnectionManager {
  readonly #settings: Settings
  readonly #entries = new Map<string, Entry>()
  readonly #opening = new Map<string, Promise<Connection>>()
  readonly #onOpen: ((conn: Connection) => Promise<void> | void) | undefined

  /** `onOpen` runs once for every physical open (e.g. create the schema if missing). */
  constructor(settings: Settings, options: { onOpen?: (conn: Connection) => Promise<void> | void } = {}) {
    this.#settings = settings
    this.#onOpen = options.onOpen
  }

  /** The named connection (default: `default`), opened or reopened as needed. */
  async connection(name = 'default'): Promise<Connection> {
    const e = this.#entries.get(name)
    if (e) {
      let ok = e.conn.alive()
      if (ok && Date.now() - e.lastUsed > IDLE_PING_MS) ok = await e.conn.ping().then(() => true, () => false)
      if (ok) {
        e.lastUsed = Date.now()
        return e.conn
      }
      if (e.external) throw new Error(`Database connection "${name}" (registered from outside) is no longer usable`)
      this.#entries.delete(name)
      await e.conn.close().catch(() => {})
    }
    let opening = this.#opening.get(name)
    if (!opening) {
      opening = this.#open(name).finally(() => this.#opening.delete(name))
      this.#opening.set(name, opening)
    }
    return opening
  }

  async #open(name: string): Promise<Connection> {
    const cfg = dbConfig(this.#settings, name)
    const conn = cfg.driver === 'sqlite'
      ? openSqlite(name, cfg.file, cfg.timeoutMs)
      : await openPostgres(name, {
          connectionString: cfg.connectionString,
          host: cfg.host,
          port: cfg.port,
          user: cfg.user,
          password: cfg.password,
          database: cfg.database,
          connectionTimeoutMillis: cfg.timeoutMs,
        })
    try {
      await this.#onOpen?.(conn)
    } catch (err) {
      await conn.close().catch(() => {})
      throw err
    }
    this.#entries.set(name, { conn, lastUsed: Date.now(), external: false })
    return conn
  }

  /** Puts an already open connection in the pool (it is not reopened if it dies). */
  register(name: string, conn: Connection): void {
    this.#entries.set(name, { conn, lastUsed: Date.now(), external: true })
  }

  /** Closes one connection, or all of them. */
  async disconnect(name?: string): Promise<void> {
    const names = name ? [name] : [...this.#entries.keys()]
    for (const n of names) {
      const e = this.#entries.get(n)
      this.#entries.delete(n)
      await e?.conn.close().catch(() => {})
    }
  }

  /** Names of the open connections. */
  openConnections(): string[] {
    return [...this.#entries.keys()]
  }
}
