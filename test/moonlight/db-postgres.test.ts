/** ConnectionManager on a real PostgreSQL (127.0.0.1:5432): in the full run, not in `npm run test:unit`. */
import { afterAll, beforeAll, describe } from 'vitest'
import { randomBytes } from 'node:crypto'
import { SERVICES, requireService } from '../helpers/services.js'
import { asAdmin } from './pg.js'
import { connectionManagerCases } from './db-cases.js'

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
