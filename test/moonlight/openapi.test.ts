/**
 * The OpenAPI document of a Moonlight app: what it says about each action (rules → schema, auth,
 * error codes), the __catalog gate on __openapi.json, and a real validator's verdict on DeskFlow's.
 */
import { describe, expect, it } from 'vitest'
import { validate } from '@readme/openapi-parser'
import { createApp, response, Service, Can } from '../../src/moonlight/index.js'
import { createDeskflowApp } from '../../app/app.js'
import { tempRoot } from './helpers.js'

class NoteService extends Service {
  static override description = 'Notes'
  static override actions = {
    add: { summary: 'Add a note', authenticated: true, rules: { text: 'required|string|min:3|max:50', level: 'in:low,high', n: 'integer|between:1,9', tags: 'nullable|array' } },
  } as const
  async addAction() {
    return response(0, 'Added')
  }
  @Can('notes.purge')
  async purgeAction() {
    return response(0, 'Purged')
  }
  async pingNoteAction() {
    return response(0, 'pong')
  }
}

const docOf = (env = 'DEBUG=true\n') => {
  const { root } = tempRoot('', env)
  return createApp({ root, switches: { v1: { note: NoteService }, v2: { note: NoteService } } })
}

describe('OpenAPI document', () => {
  it('describes each action: request schema from its rules, auth, envelope and error codes', () => {
    const doc = docOf().openapi() as any
    expect(doc.openapi).toBe('3.1.0')
    const add = doc.paths['/api/v1/#note.add'].post
    expect(add.operationId).toBe('v1_note_add')
    expect(add.summary).toBe('Add a note')
    expect(add.security).toEqual([{ bearerAuth: [] }])
    expect(Object.keys(add.responses).sort()).toEqual(['200', '401', '404', '422', '500', '503'])
    const req = doc.components.schemas['v1.note.add.request']
    expect(req.required).toEqual(['service', 'action', 'text'])
    expect(req.properties.service).toEqual({ const: 'note' })
    expect(req.properties.text).toMatchObject({ type: 'string', minLength: 3, maxLength: 50 })
    expect(req.properties.level).toMatchObject({ type: 'string', enum: ['low', 'high'] })
    expect(req.properties.n).toMatchObject({ type: 'integer', minimum: 1, maximum: 9 })
    expect(req.properties.tags).toMatchObject({ type: ['array', 'null'] })
    const purge = doc.paths['/api/v1/#note.purge'].post
    expect(purge.description).toContain('Requires every permission of notes.purge')
    expect(Object.keys(purge.responses)).toEqual(expect.arrayContaining(['401', '403']))
    const ping = doc.paths['/api/v2/#note.ping_note'].post
    expect(ping.security).toBeUndefined()
    expect(ping.description).toContain('Public.')
    expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
  })

  it('is served at __openapi.json under the same gate as __catalog (DEBUG or DOCS_ENABLED, DOCS_TOKEN)', async () => {
    const get = (app: ReturnType<typeof docOf>, q = '') => app.fetch(new Request(`http://localhost/api/v1/__openapi.json${q}`))
    expect((await get(docOf(''))).status).toBe(404)
    const gated = docOf('DOCS_ENABLED=true\nDOCS_TOKEN=abc\n')
    expect((await get(gated)).status).toBe(404)
    expect((await get(gated, '?token=wrong')).status).toBe(404)
    const ok = await get(gated, '?token=abc')
    expect(ok.status).toBe(200)
    expect(ok.headers.get('content-type')).toMatch(/application\/json/)
    const doc = (await ok.json()) as any
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(doc.paths)).toContain('/api/v2/#note.add')
    const post = await gated.fetch(new Request('http://localhost/api/v1/__openapi.json?token=abc', { method: 'POST' }))
    expect(post.status).toBe(405)
  })

  it("DeskFlow's document passes @readme/openapi-parser's OpenAPI 3.1 validation", async () => {
    const { root } = tempRoot('', 'DEBUG=true\n')
    const app = createDeskflowApp({ root })
    const doc = app.openapi({ servers: ['http://127.0.0.1:8000'] }) as any
    const result = await validate(structuredClone(doc))
    expect(result.valid ? [] : result.errors).toEqual([])
    const create = doc.components.schemas['v1.task.create.request']
    expect(create.required).toEqual(['service', 'action', 'title'])
    expect(create.properties.status.enum).toEqual(['open', 'done', 'archived'])
    expect(create.properties.project_id.type).toBe('integer')
    // A document that breaks the spec is refused by the same validator (the check can fail).
    const broken = structuredClone(doc)
    broken.paths['/api/v1/#task.create'].post.responses = { '200': { content: {} } } // a response without its description
    expect((await validate(broken)).valid).toBe(false)
    await app.close()
  })
})
