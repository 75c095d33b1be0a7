import { describe, expect, it } from 'vitest'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { runCli } from '../../src/cli/main.js'
import { ROOT, freePort } from '../helpers/rr.js'
import { tempProject } from './project.js'

async function serveOnce(cwd: string, args: string[]): Promise<{ code: number; out: string }> {
  let out = ''
  const sink = new PassThrough()
  sink.on('data', (d) => (out += d))
  const code = await runCli(['serve', ...args], {
    cwd, env: { ...process.env, PORT: '', SERVER_PORT: '', HOST: '' }, stdout: sink, stderr: sink, signal: new AbortController().signal,
  })
  return { code, out }
}

describe('npx pionia serve: errors that say what to do', () => {
  it('names the missing app module and how to create it', async () => {
    const project = tempProject()
    const r = await serveOnce(project.root, [])
    expect(r.code).toBe(1)
    expect(r.out).toMatch(/No app module in .*: create app\/app\.ts exporting your Moonlight app/)
    project.cleanup()
  })

  it('reports a taken port when --tries=1, naming the port and the fix', async () => {
    const project = tempProject()
    const port = await freePort()
    const blocker = createServer()
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r))
    const r = await serveOnce(project.root, ['--port', String(port), '--tries', '1', '--app', join(ROOT, 'app/app.ts')])
    expect(r.code).toBe(1)
    const message = `Cannot listen on 127.0.0.1: port ${port} is in use. Stop the other server (npx pionia stopserver) or pass --port=<free port>.`
    expect(r.out.split(message)).toHaveLength(2) // said once
    await new Promise((res) => blocker.close(res))
    project.cleanup()
  })

  it('rejects a module without an app, and a bad --tries value', async () => {
    const project = tempProject()
    const r = await serveOnce(project.root, ['--app', join(ROOT, 'app/passwords.ts'), '--port', String(await freePort())])
    expect(r.code).toBe(1)
    expect(r.out).toMatch(/exports no Moonlight app: export default createApp/)
    const bad = await serveOnce(project.root, ['--tries', 'lots', '--app', join(ROOT, 'app/app.ts')])
    expect(bad.code).toBe(1)
    expect(bad.out).toContain('--tries must be a positive number, got "lots".')
    project.cleanup()
  })
})
