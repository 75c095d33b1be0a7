/**
 * Database settings: `[db]` and `[db_<name>]` in settings.ini (database_type, database_name, username,
 * password, host, port, connection_timeout, url, default). The connection called `default` is the
 * section marked `default = true`, else `[db]`.
 * @module
 */
import { isAbsolute, resolve } from 'node:path'
import type { Settings } from '../../config/settings.js'
import { isTruthy } from '../../config/settings.js'

/** One connection's settings, normalised. */
export type DbConfig =
  | { driver: 'sqlite'; file: string; timeoutMs: number }
  | { driver: 'postgres'; connectionString?: string; host?: string; port?: number; user?: string; password?: string; database?: string; timeoutMs: number }

const SQLITE = new Set(['sqlite', 'sqlite3'])
const POSTGRES = new Set(['pgsql', 'postgres', 'postgresql', 'pg'])

/** The settings section for a connection name, or undefined. */
function sectionFor(settings: Settings, name: string): Record<string, string> | undefined {
  if (name === 'default') {
    for (const [section, body] of Object.entries(settings.sections())) {
      if (/^db(_|$)/i.test(section) && isTruthy(body.default ?? body.DEFAULT)) return body
    }
    return settings.section('db')
  }
  return settings.section(`db_${name}`) ?? (name === 'db' ? settings.section('db') : undefined)
}

/** Reads a connection's config; without any `[db]` section, `default` is SQLite `database.sqlite3`. */
export function dbConfig(settings: Settings, name: string): DbConfig {
  const s = sectionFor(settings, name)
  if (!s) {
    if (name === 'default') return { driver: 'sqlite', file: resolve(settings.root, 'database.sqlite3'), timeoutMs: 5000 }
    throw new Error(`Unknown database connection "${name}": add a [db_${name}] section to environment/settings.ini`)
  }
  const get = (k: string) => {
    const lower = k.toLowerCase()
    for (const [key, v] of Object.entries(s)) if (key.toLowerCase() === lower) return v
    return undefined
  }
  const type = (get('database_type') ?? 'sqlite').toLowerCase()
  const timeoutMs = Number(get('connection_timeout') ?? 5) * 1000 || 5000
  if (SQLITE.has(type)) {
    const file = get('database_name') ?? 'database.sqlite3'
    return { driver: 'sqlite', file: file === ':memory:' || isAbsolute(file) ? file : resolve(settings.root, file), timeoutMs }
  }
  if (POSTGRES.has(type)) {
    const port = get('port')
    return {
      driver: 'postgres',
      connectionString: get('url') ?? undefined,
      host: get('host') ?? '127.0.0.1',
      port: port ? Number(port) : 5432,
      user: get('username') ?? undefined,
      password: get('password') ?? undefined,
      database: get('database_name') ?? undefined,
      timeoutMs,
    }
  }
  throw new Error(`Unsupported database_type "${type}" for connection "${name}": use sqlite or pgsql`)
}
