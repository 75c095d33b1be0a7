/**
 * Worker crashes under load: a bounded autocannon run of DeskFlow task creates through the real rr
 * while a random http worker is SIGKILLed every 2 s. Every response is 2xx, or a 5xx for a request
 * that was in flight in a killed worker (at most one per kill); none hangs past its timeout; the
 * database holds every confirmed create exactly once and nothing else; the pool is back to full size.
 * Runs on SQLite (one file shared by the workers) and on PostgreSQL (a killed worker's session drops
 * with its open transaction).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import Database from 'better-sqlite3'
import pg from 'pg'
import { SERVICES, requireService } from '../helpers/services.js'
import { asAdmin } from '../moonlight/pg.js'
import type { TempProject } from '../deskflow/project.js'
import { startDeskflow, waitFor, type DeskflowStack } from './stack.js'
import { alive, runCreateLoad, startKiller } from './load.js'

/** The titles of this run's rows, from the database the workers wrote to. */
type ReadTitles = (stack: DeskflowStack, prefix: string) => Promise<string[]>

const sqliteTitles: ReadTitles = async (stack, prefix) => {
  const db = new Database(join(stack.project.root, 'database.sqlite3'), { readonly: true })
  try {
    db.pragma('busy_timeout = 5000')
    return (db.prepare('SELECT title FROM tasks WHERE title LIKE ?').all(`${prefix} %`) as { title: string }[]).map((r) => r.title)
  } finally {
    db.close()
  }
}

const PG_DB = `deskflow_kill_${randomBytes(4).toString('hex')}`
const pgUrl = () => {
  const u = new URL(SERVICES.postgres.url)
  u.pathname = `/${PG_DB}`
  return u.toString()
}
const pgTitles: ReadTitles = async (_stack, prefix) => {
  const client = new pg.Client({ connectionString: pgUrl() })
  await client.connect()
  try {
    return (await client.query<{ title: string }>('SELECT title FROM tasks WHERE title LIKE $1', [`${prefix} %`])).rows.map((r) => r.title)
  } finally {
    await client.end()
  }
}

const DATABASES: { name: string; setup?: (project: TempProject) => Promise<void>; teardown?: () => Promise<void>; titles: ReadTitles }[] = [
  { name: 'SQLite', titles: sqliteTitles },
  {
    name: 'PostgreSQL',
    async setup(project) {
      await requireService('postgres')
      await asAdmin(`CREATE DATABASE ${PG_DB}`)
      const u = new URL(SERVICES.postgres.url)
      project.setSection('db', { database_type: 'pgsql', host: u.hostname, port: u.port, username: u.username, password: u.password, database_name: PG_DB, default: 'true' })
    },
    teardown: () => asAdmin(`DROP DATABASE IF EXISTS ${PG_DB} WITH (FORCE)`),
    titles: pgTitles,
  },
]

// Bounded by count (every request's outcome is known) and by the per-request timeout; ~10 s here.
const AMOUNT = Number(process.env.RELIABILITY_LOAD_REQUESTS ?? 3000)

describe.each(DATABASES)('SIGKILL a random worker every 2 s under create load ($name)', ({ name, setup, teardown, titles }) => {
  let stack: DeskflowStack

  beforeAll(async () => {
    stack = await startDeskflow({ workers: 2, setup })
  })
  afterAll(async () => {
    await stack?.stop()
    await teardown?.()
  })

  it('loses nothing, doubles nothing, and refills the pool', async () => {
    const auth = await stack.login()
    const prefix = `kill-load-${Date.now()}`
    const started = Date.now()
    const killer = startKiller(() => stack.pids(), 2000)
    const load = await runCreateLoad({ base: stack.base, authorization: auth.authorization!, amount: AMOUNT, connections: 8, timeoutSec: 20, prefix })
    const killed = await killer.stop()

    const fivexx = Object.entries(load.other).filter(([s]) => Number(s) >= 500).reduce((n, [, c]) => n + c, 0)
    const notAllowed = Object.entries(load.other).filter(([s]) => Number(s) < 500)
    process.stderr.write(
      `[reliability] worker-kill (${name}): ${AMOUNT} requests, ${((Date.now() - started) / 1000).toFixed(1)} s, sent ${load.sent}, answered ${load.answered}, 2xx ${load.ok2xx}, 5xx ${fivexx}, errors ${load.errors}, timeouts ${load.timeouts}, kills ${killed.length}, statuses ${JSON.stringify(load.other)}\n`,
    )
    expect(killed.length).toBeGreaterThanOrEqual(2)
    expect(load.sent).toBe(AMOUNT)
    expect(load.answered).toBe(AMOUNT)
    expect(load.ok2xx).toBeGreaterThan(0)
    // only 2xx or 5xx, at most one 5xx per kill (a worker runs one request at a time)
    expect(notAllowed).toEqual([])
    expect(fivexx).toBeLessThanOrEqual(killed.length)
    // nothing hung past its timeout, no connection was dropped
    expect(load.timeouts).toBe(0)
    expect(load.errors).toBe(0)
    expect(load.confirmed.length).toBe(load.ok2xx)

    // the database: every confirmed create once, nothing that was never sent, no duplicates
    const rows = await titles(stack, prefix)
    process.stderr.write(`[reliability] worker-kill database (${name}): ${rows.length} rows for ${load.confirmed.length} confirmed creates (${rows.length - load.confirmed.length} from 5xx answers)\n`)
    expect(new Set(rows).size).toBe(rows.length)
    const inDb = new Set(rows)
    expect(load.confirmed.filter((t) => !inDb.has(t))).toEqual([])
    expect(rows.filter((t) => !load.titles.has(t))).toEqual([])
    // a row beyond the confirmed ones can only come from a request answered 5xx (killed after its INSERT)
    expect(rows.length - load.confirmed.length).toBeGreaterThanOrEqual(0)
    expect(rows.length - load.confirmed.length).toBeLessThanOrEqual(fivexx)

    // the pool is back to two ready workers, none of them a killed pid. A worker killed just now is a
    // zombie that rr still lists as ready until it reaps it, so wait for rr to notice as well.
    const pool = await waitFor(async () => {
      const ws = await stack.workers()
      const refilled = ws.length === 2 && ws.every((w) => w.statusStr === 'ready' && alive(w.pid) && !killed.includes(w.pid))
      return refilled && killed.every((pid) => !alive(pid)) ? ws : undefined
    }, 'the http pool to be back to 2 ready workers, none of them a killed one')
    for (const w of pool) expect(killed).not.toContain(w.pid)
    for (const pid of killed) expect(alive(pid)).toBe(false)
    const after = await stack.call({ service: 'task', action: 'list' })
    expect(after.body?.returnCode).toBe(0)
  }, 120_000)
})
