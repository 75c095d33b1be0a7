/**
 * Secrets never reach the logs. Through the real rr + DeskFlow: passwords, bearer tokens (valid and
 * garbage), cookies and the maintenance bypass header are sent on many requests, then everything rr
 * printed (its own log lines and every worker's stderr) is searched for them. And Moonlight's logger
 * masks secret-looking context keys (HIDE_IN_LOGS plus Authorization, cookies, secrets) at any depth.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { startDeskflow, type DeskflowStack } from '../reliability/stack.js'
import { stderrLogger } from '../../src/moonlight/core/log.js'

const rand = (p: string) => `${p}-${randomBytes(9).toString('hex')}`
const JWT_SECRET = 'deskflow-test-secret-5c1e9a7b3f2d8046'

describe('secrets in rr + DeskFlow logs', () => {
  let stack: DeskflowStack
  const bypass = rand('bypass')
  const wrongPassword = rand('pw')
  const garbageBearer = rand('garbage-bearer')
  const cookie = rand('cookie')
  let validToken = ''

  beforeAll(async () => {
    stack = await startDeskflow()
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it('maintenance: the bypass header passes with the exact token only', async () => {
    stack.project.setMaintenance({ ENABLED: 'true', BYPASS_TOKEN: bypass })
    const list = (headers: Record<string, string> = {}) => stack.call({ service: 'task', action: 'list' }, headers)
    const down = await list()
    expect(down.status).toBe(503)
    expect(down.body?.returnCode).toBe(503)
    for (const wrong of [bypass.slice(0, -1), bypass + '0', bypass.toUpperCase(), 'x'.repeat(bypass.length)]) {
      expect((await list({ 'x-maintenance-bypass': wrong })).status).toBe(503)
    }
    const through = await list({ 'x-maintenance-bypass': bypass })
    expect(through.status).toBe(200)
    expect(through.body?.returnCode).toBe(0)
    stack.project.setMaintenance(null)
    expect((await list()).status).toBe(200)
  })

  it('passwords, tokens, cookies and the bypass token appear nowhere in rr output', async () => {
    for (let i = 0; i < 3; i++) {
      const bad = await stack.call({ service: 'member', action: 'login', email: 'jamie@northwind.studio', password: wrongPassword }, { cookie: `session=${cookie}` })
      expect(bad.status).toBe(401)
    }
    const auth = await stack.login()
    validToken = auth.authorization!.slice('Bearer '.length)
    expect((await stack.call({ service: 'member', action: 'profile' }, { ...auth, cookie: `session=${cookie}` })).status).toBe(200)
    expect((await stack.call({ service: 'task', action: 'create', title: 'Logged?', token: validToken, password: wrongPassword }, auth)).status).toBe(200)
    expect((await stack.call({ service: 'member', action: 'profile' }, { authorization: `Bearer ${garbageBearer}` })).status).toBe(401)
    // a job dispatch is logged with its payload: extra secret fields ride along
    const invite = await stack.call({ service: 'member', action: 'invite', email: 'new@northwind.studio', password: wrongPassword, token: validToken }, auth)
    // jobs are off in this project ([jobs] ENABLED): the dispatch runs in the request and answers the action's own envelope
    expect(invite.status, invite.text).toBe(200)
    expect(invite.body?.returnMessage).toBe('Welcome email queued for delivery')
    await stack.rr.waitForOutput(/Welcome email sent to new@northwind\.studio/)
    // an error inside an action is reported with its context
    expect((await stack.call({ service: 'project', action: 'retrieve', id: 'x', password: wrongPassword }, auth)).status).toBe(422)

    const out = stack.rr.output()
    expect(out).toMatch(/Moonlight job dispatch/) // the lines that could carry secrets were written
    for (const secret of [bypass, wrongPassword, garbageBearer, cookie, validToken, validToken.split('.')[2]!, JWT_SECRET]) {
      expect(out.includes(secret), `rr output contains a secret (${secret.slice(0, 12)}…)`).toBe(false)
    }
  })
})

describe("Moonlight's logger", () => {
  it('masks HIDE_IN_LOGS keys and always masks authorization, cookies and secrets, at any depth and case', () => {
    const written: string[] = []
    const orig = process.stderr.write.bind(process.stderr)
    process.stderr.write = ((chunk: string | Uint8Array) => {
      written.push(String(chunk))
      return true
    }) as typeof process.stderr.write
    try {
      const log = stderrLogger('sec', ['password', 'pin', 'token'])
      log.info('login attempt', {
        email: 'a@b.c',
        password: 'p4ss-visible?',
        PIN: '1234-visible?',
        nested: { Token: 'tok-visible?', list: [{ password: 'deep-visible?' }] },
        headers: { Authorization: 'Bearer auth-visible?', cookie: 'sid=cookie-visible?', 'x-maintenance-bypass': 'bypass-visible?' },
        secret: 'secret-visible?',
        jwt_secret: 'jwt-visible?',
        api_key: 'apikey-visible?',
      })
    } finally {
      process.stderr.write = orig
    }
    const text = written.join('')
    expect(text).toContain('a@b.c')
    expect(text).toContain('login attempt')
    expect(text).not.toMatch(/visible\?/)
  })
})
