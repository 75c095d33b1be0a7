import { describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Settings } from '../../src/config/index.js'
import { ConnectionManager, toPgPlaceholders } from '../../src/moonlight/db/index.js'
import { tempRoot } from './helpers.js'

describe('toPgPlaceholders', () => {
  it('numbers ? outside strings, identifiers and comments', () => {
    expect(toPgPlaceholders(`SELECT '?', "a?b", x FROM t WHERE a = ? AND b = ? -- why?\nAND c = ?`))
      .toBe(`SELECT '?', "a?b", x FROM t WHERE a = $1 AND b = $2 -- why?\nAND c = $3`)
  })
})

import { connectionManagerCases } from './db-cases.js'

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
