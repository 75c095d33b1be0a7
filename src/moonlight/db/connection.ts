/**
 * The small database interface Moonlight services use, the same for SQLite and PostgreSQL. SQL uses
 * `?` placeholders for both (translated to `$1…` for PostgreSQL); `INSERT … RETURNING *` works on both.
 * @module
 */

/** Result of a statement that returns no rows. */
export interface RunResult {
  changes: number
}

/** One open database connection. */
export interface Connection {
  /** The connection name (`default`, or the `<name>` of `[db_<name>]`). */
  readonly name: string
  readonly driver: 'sqlite' | 'postgres'
  /** Increases with each physical open in this process: equal ids mean the same connection was reused. */
  readonly serial: number
  all<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>
  get<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T | undefined>
  run(sql: string, params?: unknown[]): Promise<RunResult>
  /** Runs a script of several statements (schema files). */
  exec(script: string): Promise<void>
  /** Cheap liveness flag (no round trip). */
  alive(): boolean
  /** A round trip (`SELECT 1`); rejects when the connection is unusable. */
  ping(): Promise<void>
  close(): Promise<void>
}

let serial = 0
/** Next connection serial. */
export function nextSerial(): number {
  return ++serial
}

/** `?` → `$1, $2…`, skipping quoted strings, quoted identifiers and comments. */
export function toPgPlaceholders(sql: string): string {
  let out = ''
  let n = 0
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1)
      const stop = end < 0 ? sql.length : end
      out += sql.slice(i, stop + 1)
      i = stop
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i)
      const stop = end < 0 ? sql.length : end
      out += sql.slice(i, stop)
      i = stop - 1
    } else if (c === '?') {
      out += `$${++n}`
    } else out += c
  }
  return out
}
