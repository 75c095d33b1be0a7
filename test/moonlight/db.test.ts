import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { Settings } from '../../src/config/index.js'
import { ConnectionManager, toPgPlaceholders, type Connection } from '../../src/moonlight/db/index.js'
import { SERVICES, requireService } from '../helpers/services.js'
import { tempRoot } from './helpers.js'
import { asAdmin } from './pg.js'

describe('toPgPlaceholders', () => {
  it('numbers ? outside strings, identifiers and comments', () => {
    expect(toPgPlaceholders(`SELECT '?', "a?b", x FROM t WHERE a = ? AND b = ? -- why?\nAND c = ?`))
      .toBe(`SELECT '?', "a?b", x FROM t WHERE a = $1 AND b = $2 -- why?\nAND c = $3`)
  })
})

/** The same contract for every driver. */
function connectionManagerCases(name: string, settingsIni: () => string) {
  describe(`ConnectionManager (${name})`, () => {
    let db: ConnectionManager
    let opened: number
    beforeAll(() => {
      const { root } = tempRoot(settingsIni())
      opened = 0
      db = new ConnectionManager(new Settings(root), {
        onOpen: async (c) => {
          opened++
          await c.exec('CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)')
        },
      })
    })
    afterAll(() => db.disconnect())

    it('opens lazily, once, and hands the same connection out every time', async () => {
      expect(db.openConnections()).toEqual([])
      const [a, b] = await Promise.all([db.connection(), db.connection()])
      expect(a).toBe(b)
      for (let i = 0; i < 100; i++) expect(await db.connection()).toBe(a)
      expect(opened).toBe(1)
    })

    it('runs statements with ? placeholders and RETURNING', async () => {
      const c = await db.connection()
      await c.run('DELETE FROM notes')
      const row = await c.get<{ id: number; body: string }>('INSERT INTO notes (id, body) VALUES (?, ?) RETURNING *', [1, 'first'])
      expect(row).toEqual({ id: 1, body: 'first' })
      expect((await c.run('UPDATE notes SET body = ? WHERE id = ?', ['changed', 1])).changes).toBe(1)
      expect(await c.all('SELECT body FROM notes WHERE id = ?', [1])).toEqual([{ body: 'changed' }])
      expect(await c.get('SELECT body FROM notes WHERE id = ?', [2])).toBeUndefined()
    })

    it('reopens a connection that died, and disconnect() closes everything', async () => {
      const before = await db.connection()
      await killConnection(before)
      const after = await db.connection()
      expect(after).not.toBe(before)
      expect(after.serial).toBeGreaterThan(before.serial)
      expect(await after.all('SELECT body FROM notes')).toEqual([{ body: 'changed' }])
      await db.disconnect()
      expect(db.openConnections()).toEqual([])
      expect(after.alive()).toBe(false)
    })
  })
}

/** Kills a connection the way production does: the server drops it (pg) or the handle closes (sqlite). */
async function killConnection(conn: Connection): Promise<void> {
  if (conn.driver === 'sqlite') {
    await conn.close()
    return
  }
  const pid = (await conn.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'))!.pid
  await asAdmin('SELECT pg_terminate_backend($1)', [pid])
  for (let i = 0; i < 100 && conn.alive(); i++) await new Promise((r) => setTimeout(r, 20))
  expect(conn.alive()).toBe(false)
}

connectionManagerCases('sqlite', () => '[db]\ndatabase_type = sqlite\ndatabase_name = data/app.sqlite3\ndefault = true\n')

describe('ConnectionManager configuration', () => {
  it('defaults to database.sqlite3 in the project root and names unknown connections in its error', async () => {
    const { root } = tempRoot('')
    const db = new ConnectionManager(new Settings(root))
    const c = await db.connection()
    expect(c.driver).toBe('sqlite')
    expect(existsSync(join(root, 'database.sqlite3'))).toBe(true)
    await expect(db.connection('reports')).rejects.toThrow('Unknown database connection "reports": add a [db_reports] section to environment/settings.ini')
    await db.disconnect()
  })

  it('picks the [db_<name>] section marked default = true and rejects unsupported types', async () => {
    const { root } = tempRoot('[db]\ndatabase_type = sqlite\ndatabase_name = main.sqlite3\n[db_side]\ndatabase_type = sqlite\ndatabase_name = side.sqlite3\ndefault = true\n[db_odd]\ndatabase_type = oracle\n')
    const db = new ConnectionManager(new Settings(root))
    await db.connection()
    expect(existsSync(join(root, 'side.sqlite3'))).toBe(true)
    expect(existsSync(join(root, 'main.sqlite3'))).toBe(false)
    await expect(db.connection('odd')).rejects.toThrow('Unsupported database_type "oracle" for connection "odd": use sqlite or pgsql')
    await db.disconnect()
  })

  it('reports an unreachable PostgreSQL server with the address and the section to check', async () => {
    const { root } = tempRoot('[db]\ndatabase_type = pgsql\nhost = 127.0.0.1\nport = 1\ndatabase_name = nope\nconnection_timeout = 2\n')
    const db = new ConnectionManager(new Settings(root))
    await expect(db.connection()).rejects.toThrow(/Cannot connect to PostgreSQL \(127\.0\.0\.1:1\/nope\) for connection "default".*Check \[db\]/)
  })
})

describe('PostgreSQL', () => {
  const dbName = `moonlight_${randomBytes(4).toString('hex')}`
  beforeAll(async () => {
    await requireService('postgres')
    await asAdmin(`CREATE DATABASE ${dbName}`)
  })
  afterAll(() => asAdmin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`))
  connectionManagerCases('postgres', () => {
    const u = new URL(SERVICES.postgres.url)
    return `[db]\ndatabase_type = pgsql\nhost = ${u.hostname}\nport = ${u.port}\nusername = ${u.username}\npassword = ${u.password}\ndatabase_name = ${dbName}\n`
  })
})
