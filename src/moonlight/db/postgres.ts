/**
 * PostgreSQL through `pg` (one Client per connection name and worker). Liveness is tracked from the
 * client's `error`/`end` events, so handing out a connection costs no round trip. pg is an optional
 * peer dependency, loaded on the first connect.
 * @module
 */
import type pg from 'pg'
import { nextSerial, toPgPlaceholders, type Connection, type RunResult } from './connection.js'
import { loadDriver } from './optional.js'

/** Connection options for PostgreSQL. */
export interface PgOptions {
  connectionString?: string
  host?: string
  port?: number
  user?: string
  password?: string
  database?: string
  connectionTimeoutMillis?: number
}

/** Connects; rejects with a message that names the server and what to check. */
export async function openPostgres(name: string, options: PgOptions): Promise<Connection> {
  const { Client } = loadDriver<typeof pg>('pg', '8', 'PostgreSQL')
  const client = new Client(options)
  let dead = false
  client.on('error', () => {
    dead = true
  })
  client.on('end', () => {
    dead = true
  })
  try {
    await client.connect()
  } catch (err) {
    const where = options.connectionString?.replace(/:[^:@/]*@/, ':***@') ?? `${options.host ?? 'localhost'}:${options.port ?? 5432}/${options.database ?? ''}`
    throw new Error(`Cannot connect to PostgreSQL (${where}) for connection "${name}": ${err instanceof Error ? err.message : String(err)}. Check [db${name === 'default' ? '' : '_' + name}] in environment/settings.ini and that the server is running.`)
  }
  const query = async (sql: string, params: unknown[] = []) => {
    try {
      return await client.query(toPgPlaceholders(sql), params)
    } catch (err) {
      // A statement error leaves the session usable; anything else (reset, admin shutdown) forces a reconnect.
      if (!isSqlError(err)) dead = true
      throw err
    }
  }
  return {
    name,
    driver: 'postgres',
    serial: nextSerial(),
    async all<T>(sql: string, params?: unknown[]) {
      return (await query(sql, params)).rows as T[]
    },
    async get<T>(sql: string, params?: unknown[]) {
      return (await query(sql, params)).rows[0] as T | undefined
    },
    async run(sql: string, params?: unknown[]): Promise<RunResult> {
      return { changes: (await query(sql, params)).rowCount ?? 0 }
    },
    async exec(script: string) {
      await client.query(script)
    },
    alive: () => !dead,
    async ping() {
      await client.query('SELECT 1')
    },
    async close() {
      dead = true
      await client.end().catch(() => {})
    },
  }
}

/** True for errors the server reported about the statement (the connection itself is fine). */
function isSqlError(err: unknown): boolean {
  const code = (err as { code?: string }).code
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^(08|57P)/.test(code)
}
