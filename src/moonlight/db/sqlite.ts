/**
 * SQLite through better-sqlite3 (synchronous, in-process): the embedded default. WAL mode and a busy
 * timeout let several rr workers share one file. better-sqlite3 is an optional peer dependency, loaded
 * on the first open.
 * @module
 */
import type Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { nextSerial, type Connection, type RunResult } from './connection.js'
import { loadDriver } from './optional.js'

/** Opens `file` (created if missing). */
export function openSqlite(name: string, file: string, timeoutMs = 5000): Connection {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
  const Driver = loadDriver<typeof Database>('better-sqlite3', '12', 'SQLite')
  const db = new Driver(file, { timeout: timeoutMs })
  if (file !== ':memory:') db.pragma('journal_mode = WAL')
  db.pragma('foreign_keys = ON')
  const statements = new Map<string, Database.Statement>()
  const prepare = (sql: string): Database.Statement => {
    let st = statements.get(sql)
    if (!st) {
      st = db.prepare(sql)
      if (statements.size > 200) statements.clear()
      statements.set(sql, st)
    }
    return st
  }
  const bind = (params: unknown[] = []) => params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p === undefined ? null : p))
  return {
    name,
    driver: 'sqlite',
    serial: nextSerial(),
    async all<T>(sql: string, params?: unknown[]) {
      return prepare(sql).all(...bind(params)) as T[]
    },
    async get<T>(sql: string, params?: unknown[]) {
      const st = prepare(sql)
      return (st.reader ? st.get(...bind(params)) : (st.run(...bind(params)), undefined)) as T | undefined
    },
    async run(sql: string, params?: unknown[]): Promise<RunResult> {
      const st = prepare(sql)
      if (st.reader) return { changes: st.all(...bind(params)).length }
      return { changes: st.run(...bind(params)).changes }
    },
    async exec(script: string) {
      db.exec(script)
    },
    alive: () => db.open,
    async ping() {
      db.prepare('SELECT 1').get()
    },
    async close() {
      if (db.open) db.close()
    },
  }
}
