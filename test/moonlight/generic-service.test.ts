import { describe, expect, it } from 'vitest'
import { createApp, GenericService } from '../../src/moonlight/index.js'
import { post, recordingLogger, tempRoot } from './helpers.js'

const hooks: string[] = []

class NoteService extends GenericService {
  static override table = 'notes'
  static override createColumns = ['body', 'tag?']
  static override updateColumns = ['body', 'tag']
  static override listColumns = ['id', 'body', 'tag']
  static override limit = 2
  protected override preCreate(row: Record<string, unknown>) {
    hooks.push('preCreate')
    return { ...row, body: String(row.body).trim() }
  }
  protected override postDelete(row: Record<string, unknown>) {
    hooks.push(`postDelete ${row.id}`)
  }
}

class BadService extends GenericService {
  static override table = 'notes; DROP TABLE notes'
}

async function makeApp() {
  const { root } = tempRoot('[db]\ndatabase_type = sqlite\ndatabase_name = :memory:\n')
  const app = createApp({
    root,
    logger: recordingLogger(),
    debug: true,
    switches: { v1: { note: NoteService, bad: BadService } },
    onDatabaseOpen: (c) => c.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL, tag TEXT)'),
  })
  return app
}

describe('GenericService', () => {
  it('creates (required and optional columns, hooks), lists a page, updates, retrieves, deletes', async () => {
    hooks.length = 0
    const app = await makeApp()
    expect((await post(app, { service: 'note', action: 'create' })).body).toMatchObject({ returnCode: 422, returnMessage: 'body is required' })
    const a = await post(app, { service: 'note', action: 'create', body: '  first  ', id: 99, evil: 'x' })
    expect(a.body).toMatchObject({ returnCode: 0, returnMessage: 'Created', returnData: { id: 1, body: 'first', tag: null } })
    await post(app, { service: 'note', action: 'create', body: 'second', tag: 'b' })
    await post(app, { service: 'note', action: 'create', body: 'third' })
    const page = await post(app, { service: 'note', action: 'list' })
    expect(page.body.returnData).toMatchObject({ results: [{ id: 1, body: 'first', tag: null }, { id: 2, body: 'second', tag: 'b' }], next_offset: 2, total_count: 3, has_next: true })
    const up = await post(app, { service: 'note', action: 'update', id: 2, tag: 'c', body_extra: 'ignored' })
    expect(up.body.returnData).toEqual({ id: 2, body: 'second', tag: 'c' })
    expect((await post(app, { service: 'note', action: 'retrieve', id: 2 })).body.returnData.tag).toBe('c')
    expect((await post(app, { service: 'note', action: 'retrieve' })).body).toMatchObject({ returnCode: 422, returnMessage: 'id is required' })
    expect((await post(app, { service: 'note', action: 'delete', id: 3 })).body.returnMessage).toBe('Deleted')
    expect((await post(app, { service: 'note', action: 'delete', id: 3 })).body).toMatchObject({ returnCode: 404, returnMessage: 'note 3 not found' })
    expect((await post(app, { service: 'note', action: 'random' })).body.returnData).toHaveProperty('body')
    expect(hooks).toEqual(['preCreate', 'preCreate', 'preCreate', 'postDelete 3'])
    await app.close()
  })

  it('refuses a table name that is not a plain identifier', async () => {
    const app = await makeApp()
    const r = await post(app, { service: 'bad', action: 'list' })
    expect(r.body.returnCode).toBe(500)
    expect(r.body.returnMessage).toBe('BadService.table: "notes; DROP TABLE notes" is not a plain column or table name (letters, digits, _)')
    await app.close()
  })
})
