/** PostgreSQL helpers for the database tests (the server `scripts/ci-services start` runs). */
import pg from 'pg'
import { SERVICES } from '../helpers/services.js'

/** Runs one statement on the test server's maintenance connection (create/drop databases, kill sessions). */
export async function asAdmin(sql: string, params: unknown[] = []): Promise<void> {
  const admin = new pg.Client({ connectionString: SERVICES.postgres.url })
  await admin.connect()
  try {
    await admin.query(sql, params)
  } finally {
    await admin.end()
  }
}
