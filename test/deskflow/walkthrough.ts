/**
 * The DeskFlow tutorial walkthrough as one reusable sequence of assertions, run against any way of
 * serving the app (in-process fetch, `npx pionia serve`, the real rr).
 */
import { expect } from 'vitest'
import type { TempProject } from './project.js'

export type Send = (path: string, init?: RequestInit) => Promise<Response>

export interface Reply {
  status: number
  headers: Headers
  body: { returnCode: number; returnMessage: string | null; returnData: any; extraData: unknown }
}

export async function call(send: Send, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await send('/api/v1/', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: JSON.parse(text) }
}

/** Runs the walkthrough; returns the id of the task it created. */
export async function walkthrough(send: Send, project: TempProject, afterSettingsChange: () => Promise<void> = async () => {}): Promise<number> {
  // ping
  const ping = await send('/api/v1/ping')
  expect(ping.status).toBe(200)
  expect(await ping.json()).toEqual({ returnCode: 0, returnMessage: 'pong', returnData: null, extraData: null })

  // task.list: the three seed rows
  const list = await call(send, { service: 'task', action: 'list' })
  expect(list.status).toBe(200)
  expect(list.body.returnCode).toBe(0)
  expect(list.body.returnMessage).toBe('OK')
  expect(list.body.returnData.tasks.map((t: { title: string }) => t.title)).toEqual([
    'Review homepage mockups',
    'Prepare sprint retro notes',
    'Update client project brief',
  ])
  expect(Object.keys(list.body)).toEqual(['returnCode', 'returnMessage', 'returnData', 'extraData'])

  // create without a token: 401
  const anon = await call(send, { service: 'task', action: 'create', title: 'Ship DeskFlow docs' })
  expect(anon.status).toBe(401)
  expect(anon.body).toMatchObject({ returnCode: 401, returnMessage: 'You must be authenticated to access this resource' })

  // login: a JWT
  const login = await call(send, { service: 'member', action: 'login', email: 'alex@northwind.studio', password: 'secret' })
  expect(login.status).toBe(200)
  expect(login.body.returnCode).toBe(0)
  const token = login.body.returnData.token as string
  expect(token.split('.')).toHaveLength(3)
  expect(login.body.returnData.member).toMatchObject({ email: 'alex@northwind.studio', name: 'Alex Chen' })
  expect(login.body.returnData.member.password_hash).toBeUndefined()
  const auth = { authorization: `Bearer ${token}` }

  // wrong password: 401, same message as an unknown email
  const bad = await call(send, { service: 'member', action: 'login', email: 'alex@northwind.studio', password: 'nope' })
  expect(bad.body).toMatchObject({ returnCode: 401, returnMessage: 'Invalid email or password' })

  // a 2-letter title: 422 with the field message
  const short = await call(send, { service: 'task', action: 'create', title: 'Hi' }, auth)
  expect(short.status).toBe(422)
  expect(short.body).toMatchObject({ returnCode: 422, returnMessage: 'title must be at least 3 characters', returnData: null })

  // create
  const created = await call(send, { service: 'task', action: 'create', title: 'Ship DeskFlow docs', project_id: 1 }, auth)
  expect(created.status).toBe(200)
  expect(created.body.returnCode).toBe(0)
  expect(created.body.returnMessage).toBe('Task created')
  const task = created.body.returnData.task
  expect(task).toMatchObject({ title: 'Ship DeskFlow docs', status: 'open', assignee: 'alex@northwind.studio', project_id: 1 })

  // list shows it (filtered by status)
  const open = await call(send, { service: 'task', action: 'list', status: 'open' })
  expect(open.body.returnData.tasks.map((t: { id: number }) => t.id)).toContain(task.id)
  expect(open.body.returnData.tasks.every((t: { status: string }) => t.status === 'open')).toBe(true)

  // unknown service: 404
  const unknown = await call(send, { service: 'invoice', action: 'list' })
  expect(unknown.status).toBe(404)
  expect(unknown.body.returnCode).toBe(404)

  // malformed JSON: 400 (status and returnCode)
  const malformed = await call(send, '{"service": "task", "action": ')
  expect(malformed.status).toBe(400)
  expect(malformed.body.returnCode).toBe(400)
  expect(malformed.body.returnMessage).toMatch(/Malformed JSON body/)

  // maintenance on: 503 + Retry-After; the bypass token passes; off: 200 again
  project.setMaintenance({ ENABLED: 'true', MESSAGE: 'Deploying DeskFlow', RETRY_AFTER: '120', BYPASS_TOKEN: 'let-me-in' })
  await afterSettingsChange()
  const down = await send('/api/v1/ping')
  expect(down.status).toBe(503)
  expect(down.headers.get('retry-after')).toBe('120')
  expect(await down.json()).toEqual({ returnCode: 503, returnMessage: 'Deploying DeskFlow', returnData: null, extraData: null })
  const bypassed = await send('/api/v1/ping', { headers: { 'x-maintenance-bypass': 'let-me-in' } })
  expect(bypassed.status).toBe(200)
  const byQuery = await send('/api/v1/ping?bypass=let-me-in')
  expect(byQuery.status).toBe(200)
  const wrong = await send('/api/v1/ping', { headers: { 'x-maintenance-bypass': 'let-me-ix' } })
  expect(wrong.status).toBe(503)
  project.setMaintenance(null)
  await afterSettingsChange()
  const up = await send('/api/v1/ping')
  expect(up.status).toBe(200)
  return task.id as number
}
