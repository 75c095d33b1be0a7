import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { asAdmin } from '../moonlight/pg.js'
import { createDeskflowApp } from '../../app/app.js'
import type { Moonlight } from '../../src/moonlight/index.js'
import { SERVICES, requireService } from '../helpers/services.js'
import { tempProject, type TempProject } from './project.js'
import { call, walkthrough, type Send } from './walkthrough.js'

/** DeskFlow on PostgreSQL: schema and seed created on first use, the walkthrough, connection reuse. */
describe('DeskFlow on PostgreSQL', () => {
  const dbName = `deskflow_${randomBytes(4).toString('hex')}`
  let project: TempProject
  let app: Moonlight
  let send: Send

  beforeAll(async () => {
    await requireService('postgres')
    await asAdmin(`CREATE DATABASE ${dbName}`)
    project = tempProject()
    const u = new URL(SERVICES.postgres.url)
    project.setSection('db', { database_type: 'pgsql', host: u.hostname, port: u.port, username: u.username, password: u.password, database_name: dbName, default: 'true' })
    app = createDeskflowApp({ root: project.root })
    send = (path, init) => app.fetch(new Request(`http://127.0.0.1:8000${path}`, init))
  })
  afterAll(async () => {
    await app?.close()
    project?.cleanup()
    await asAdmin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)
  })

  it('creates the schema and seed on first use and runs the walkthrough', async () => {
    await walkthrough(send, project)
    const conn = await app.db.connection()
    expect(conn.driver).toBe('postgres')
    const members = await conn.all<{ email: string; password_hash: string }>('SELECT email, password_hash FROM team_members ORDER BY id')
    expect(members.map((m) => m.email)).toEqual(['alex@northwind.studio', 'jamie@northwind.studio'])
    expect(members.every((m) => m.password_hash.startsWith('scrypt$'))).toBe(true)
  })

  it('serves 100 requests from one PostgreSQL session', async () => {
    const pids = new Set<number>()
    for (let i = 0; i < 100; i++) {
      const r = await call(send, { service: 'project', action: 'list', limit: 1, offset: i % 2 })
      expect(r.body.returnCode).toBe(0)
      const conn = await app.db.connection()
      pids.add((await conn.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'))!.pid)
    }
    expect(pids.size).toBe(1)
  })

  it('runs project CRUD (GenericService) with login, pagination, random, 404 for a missing id', async () => {
    const login = await call(send, { service: 'member', action: 'login', email: 'jamie@northwind.studio', password: 'secret' })
    const auth = { authorization: `Bearer ${login.body.returnData.token}` }
    const anon = await call(send, { service: 'project', action: 'create', name: 'Brand refresh' })
    expect(anon.status).toBe(401)
    const created = await call(send, { service: 'project', action: 'create', name: 'Brand refresh', client: 'Fabrikam' }, auth)
    expect(created.body).toMatchObject({ returnCode: 0, returnMessage: 'Created', returnData: { name: 'Brand refresh', client: 'Fabrikam', status: 'active' } })
    const id = created.body.returnData.id
    const short = await call(send, { service: 'project', action: 'create', name: 'BR' }, auth)
    expect(short.body).toMatchObject({ returnCode: 422, returnMessage: 'name must be at least 3 characters' })
    const updated = await call(send, { service: 'project', action: 'update', id, status: 'paused' }, auth)
    expect(updated.body).toMatchObject({ returnMessage: 'Updated', returnData: { id, status: 'paused', client: 'Fabrikam' } })
    const nothing = await call(send, { service: 'project', action: 'update', id }, auth)
    expect(nothing.body).toMatchObject({ returnCode: 422, returnMessage: 'Nothing to update: send one of name, client, status' })
    expect((await call(send, { service: 'project', action: 'retrieve', id })).body.returnData.status).toBe('paused')
    const list = await call(send, { service: 'project', action: 'list', pagination: { limit: 2, offset: 1 } })
    expect(list.body.returnData).toMatchObject({ current_limit: 2, current_offset: 1, total_count: 3, results_count: 2, has_previous: true, has_next: false, next_offset: null, prev_offset: 0 })
    expect(list.body.returnData.results.map((p: { id: number }) => p.id)).toEqual([2, id])
    const random = await call(send, { service: 'project', action: 'random', size: 2 })
    expect(random.body.returnData).toHaveLength(2)
    expect((await call(send, { service: 'project', action: 'delete', id }, auth)).body).toMatchObject({ returnMessage: 'Deleted', returnData: { id } })
    const gone = await call(send, { service: 'project', action: 'retrieve', id })
    expect(gone.status).toBe(404)
    expect(gone.body.returnMessage).toBe(`project ${id} not found`)
    const profile = await call(send, { service: 'member', action: 'profile' }, auth)
    expect(profile.body.returnData.member).toMatchObject({ email: 'jamie@northwind.studio', role: 'designer' })
  })
})
