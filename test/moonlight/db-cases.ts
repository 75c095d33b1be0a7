/** The ConnectionManager contract every driver must meet (db.test.ts: SQLite, db-postgres.test.ts). */
import { beforeAll, describe, expect, it, afterAll } from 'vitest'
import { Settings } from '../../src/config/index.js'
import { ConnectionManager, type Connection } from '../../src/moonlight/db/index.js'
import { tempRoot } from './helpers.js'
import { asAdmin } from './pg.js'

/** The same contract for every driver. */
export function connectionManagerCases(name: string, settingsIni: () => string) {
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

