import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { runCli } from '../../src/cli/main.js'
import { ROOT, freePort } from '../helpers/rr.js'
import { tempProject, type TempProject } from './project.js'
import { call, walkthrough, type Send } from './walkthrough.js'

/** Runs `pionia serve` in-process (the server itself runs in the child it spawns). */
function startServe(project: TempProject, args: string[]) {
  const controller = new AbortController()
  let out = ''
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  stdout.on('data', (d) => (out += d))
  stderr.on('data', (d) => (out += d))
  const done = runCli(['serve', '--app', join(ROOT, 'app/app.ts'), ...args], {
    cwd: project.root,
    env: { ...process.env, PORT: '', SERVER_PORT: '', HOST: '', MAINTENANCE_MODE: '' },
    stdout,
    stderr,
    signal: controller.signal,
  })
  const waitFor = async (re: RegExp, ms = 30_000): Promise<void> => {
    const end = Date.now() + ms
    while (!re.test(out)) {
      if (Date.now() > end) throw new Error(`output did not match ${re}:\n${out}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  return { done, waitFor, output: () => out, stop: () => controller.abort() }
}

describe('DeskFlow through npx pionia serve (node:http, no rr)', () => {
  let project: TempProject
  let serve: ReturnType<typeof startServe>
  let send: Send
  let port: number
  let blocker: Server

  beforeAll(async () => {
    project = tempProject()
    // Occupy the configured port: --tries must step to the next one.
    const taken = await freePort()
    blocker = createServer()
    await new Promise<void>((r) => blocker.listen(taken, '127.0.0.1', r))
    project.setSection('roadrunner', { HOST: '127.0.0.1', PORT: String(taken) })
    serve = startServe(project, ['--tries', '5'])
    await serve.waitFor(/HTTP: +http:\/\/127\.0\.0\.1:(\d+)/)
    port = Number(/HTTP: +http:\/\/127\.0\.0\.1:(\d+)/.exec(serve.output())![1])
    expect(port).not.toBe(taken)
    expect(port).toBeGreaterThan(taken)
    expect(port).toBeLessThan(taken + 5)
    expect(serve.output()).toMatch(`port ${taken} was taken`)
    send = (path, init) => fetch(`http://127.0.0.1:${port}${path}`, init)
  })
  afterAll(async () => {
    serve?.stop()
    await serve?.done
    await new Promise((r) => blocker?.close(r))
    project?.cleanup()
  })

  it('runs the tutorial walkthrough, with formatted access lines and the deferred email after the response', async () => {
    await walkthrough(send, project)
    await serve.waitFor(/POST +\/api\/v1\/ +200/)
    await serve.waitFor(/Assignment email sent to alex@northwind\.studio/)
  })

  it('has no job queue: moonlight().async runs the action in-process and answers with its envelope', async () => {
    const login = await call(send, { service: 'member', action: 'login', email: 'alex@northwind.studio', password: 'secret' })
    const auth = { authorization: `Bearer ${login.body.returnData.token}` }
    const r = await call(send, { service: 'member', action: 'invite', email: 'sam@northwind.studio' }, auth)
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ returnCode: 0, returnMessage: 'Welcome email queued for delivery', returnData: { email: 'sam@northwind.studio' } })
    await serve.waitFor(/Welcome email sent to sam@northwind\.studio/)
    // no queue on the dev server is the setting, not a failure: no warning
    expect(serve.output()).not.toMatch(/Moonlight job queue unavailable/)
    const missing = await call(send, { service: 'mail', action: 'send_welcome' })
    expect(missing.status).toBe(400)
    expect(missing.body).toMatchObject({ returnCode: 400, returnMessage: 'email is required' })
  })

  it('restarts on a source change and keeps serving on the same port', async () => {
    writeFileSync(join(project.root, 'touched.ts'), 'export const x = 1\n')
    await serve.waitFor(/Restarting: touched\.ts changed/)
    await serve.waitFor(/Listening again on/)
    const ping = await send('/api/v1/ping')
    expect(ping.status).toBe(200)
  })

  it('stops on Ctrl+C with exit code 0', async () => {
    serve.stop()
    expect(await serve.done).toBe(0)
    await expect(fetch(`http://127.0.0.1:${port}/api/v1/ping`)).rejects.toThrow()
  })
})
