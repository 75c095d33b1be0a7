/**
 * `__proto__` and other Object.prototype names in client data, through the real rr + DeskFlow: the
 * request data is a null-prototype map read with own-key checks, so nothing a client sends can make
 * it inherit `service`, `action` or a field, and names like `constructor` are plain missing keys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDeskflow, type DeskflowStack } from '../reliability/stack.js'

describe('prototype keys in request data', () => {
  let stack: DeskflowStack
  let auth: Record<string, string>
  beforeAll(async () => {
    stack = await startDeskflow({ workers: 1 })
    auth = await stack.login()
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it('{"__proto__": {"service": …, "action": …}} does not route: 404 "Service not defined"', async () => {
    const r = await stack.call('{"__proto__": {"service": "task", "action": "list"}}')
    expect(r.status).toBe(404)
    expect(r.body!.returnMessage).toBe('Service not defined in request data')
  })

  it('a field only under __proto__ is missing (422)', async () => {
    const r = await stack.call('{"service": "task", "action": "create", "__proto__": {"title": "Inherited title"}}', auth)
    expect(r.status).toBe(422)
    expect(r.body!.returnMessage).toMatch(/title/)
    const c = await stack.call({ service: 'task', action: 'create', title: 'Own title', project_id: 1, status: 'open' }, auth)
    expect(c.status).toBe(200)
  })

  it('the same in a urlencoded form and in the query string', async () => {
    const form = await stack.send('/api/v1/', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '__proto__[service]=task&__proto__[action]=list',
    })
    expect(form.status).toBe(404)
    const query = await stack.send('/api/v1/?__proto__[service]=task&__proto__[action]=list', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(query.status).toBe(404)
  })
})
