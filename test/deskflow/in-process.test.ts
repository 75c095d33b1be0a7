import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createDeskflowApp } from '../../app/app.js'
import type { Moonlight } from '../../src/moonlight/index.js'
import { tempProject, type TempProject } from './project.js'
import { call, walkthrough, type Send } from './walkthrough.js'

describe('DeskFlow through app.fetch (no server)', () => {
  let project: TempProject
  let app: Moonlight
  let send: Send

  beforeAll(() => {
    project = tempProject()
    app = createDeskflowApp({ root: project.root })
    send = (path, init) => app.fetch(new Request(`http://127.0.0.1:8000${path}`, init))
  })
  afterAll(async () => {
    await app.close()
    project.cleanup()
  })

  it('runs the tutorial walkthrough and creates the SQLite database on first use', async () => {
    expect(existsSync(join(project.root, 'database.sqlite3'))).toBe(false)
    await walkthrough(send, project)
    expect(existsSync(join(project.root, 'database.sqlite3'))).toBe(true)
  })

  it('serves 100 requests from one database connection', async () => {
    const serials = new Set<number>()
    for (let i = 0; i < 100; i++) {
      const r = await call(send, { service: 'task', action: 'list', limit: 1 })
      expect(r.body.returnCode).toBe(0)
      serials.add((await app.db.connection()).serial)
    }
    expect(serials.size).toBe(1)
    expect(app.db.openConnections()).toEqual(['default'])
  })

  it('closes the connection on shutdown and reopens it lazily afterwards', async () => {
    const before = (await app.db.connection()).serial
    await app.close()
    expect(app.db.openConnections()).toEqual([])
    const r = await call(send, { service: 'task', action: 'list' })
    expect(r.body.returnCode).toBe(0)
    expect((await app.db.connection()).serial).not.toBe(before)
  })
})
