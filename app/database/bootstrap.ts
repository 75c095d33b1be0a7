/**
 * Creates DeskFlow's tables when missing and seeds them when empty, on the first open of the default
 * connection in each worker. Safe when several rr workers start at once: SQLite takes a write lock
 * (BEGIN IMMEDIATE), PostgreSQL an advisory lock, around the check-and-seed.
 */
import { existsSync, readFileSync } from 'node:fs'
import type { Connection } from '../../src/moonlight/index.js'
import { seed } from './seed.js'

const here = new URL('.', import.meta.url)
/** Reads a schema file next to this module; when running compiled from dist/, from the source folder. */
const schema = (file: string): string => {
  const url = new URL(file, here)
  if (existsSync(url)) return readFileSync(url, 'utf8')
  return readFileSync(new URL(file, here.href.replace('/dist/app/', '/app/')), 'utf8')
}

/** Ensures schema and seed on `conn`. */
export async function bootstrapDatabase(conn: Connection): Promise<void> {
  if (conn.name !== 'default') return
  const sqlite = conn.driver === 'sqlite'
  await inTransaction(conn, sqlite ? 'BEGIN IMMEDIATE' : 'BEGIN', async () => {
    if (!sqlite) await conn.run('SELECT pg_advisory_xact_lock(4242)')
    await conn.exec(schema(sqlite ? 'schema.sql' : 'schema.pg.sql'))
    await seedIfEmpty(conn)
  })
}

async function inTransaction(conn: Connection, begin: string, work: () => Promise<void>): Promise<void> {
  await conn.exec(begin)
  try {
    await work()
    await conn.exec('COMMIT')
  } catch (err) {
    await conn.exec('ROLLBACK').catch(() => {})
    throw err
  }
}

async function seedIfEmpty(conn: Connection): Promise<void> {
  const row = await conn.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM team_members')
  if (Number(row?.n ?? 0) === 0) await seed(conn)
}
