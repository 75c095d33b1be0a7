import { describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { pathToFileURL } from 'node:url'
import { runCli } from '../../src/cli/main.js'
import { ROOT, freePort } from '../helpers/rr.js'
import { tempProject } from './project.js'

const moonlight = pathToFileURL(join(ROOT, 'src/moonlight/index.ts')).href
const appSource = (message: string) => `import { createApp, Service, response } from '${moonlight}'
class HelloService extends Service {
  async sayAction() { return response(0, '${message}') }
}
export default createApp({ switches: { v1: { hello: HelloService } } })
`

describe('npx pionia serve: reload', () => {
  it('picks up an edit, survives a broken edit (keeps watching), and recovers when it is fixed', async () => {
    const project = tempProject()
    mkdirSync(join(project.root, 'app'))
    const file = join(project.root, 'app', 'app.ts')
    writeFileSync(file, appSource('first'))
    const port = await freePort()
    let out = ''
    const sink = new PassThrough()
    sink.on('data', (d) => (out += d))
    const controller = new AbortController()
    const done = runCli(['serve', '--port', String(port)], {
      cwd: project.root, env: { ...process.env, PORT: '' }, stdout: sink, stderr: sink, signal: controller.signal,
    })
    const waitFor = async (re: RegExp) => {
      for (let i = 0; !re.test(out); i++) {
        if (i > 600) throw new Error(`no ${re} in:\n${out}`)
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    const say = async () => {
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/`, { method: 'POST', body: '{"service":"hello","action":"say"}' })
      return ((await r.json()) as { returnMessage: string }).returnMessage
    }
    try {
      await waitFor(/HTTP: +http:\/\/127\.0\.0\.1:\d+/)
      expect(out).toContain('App:     app/app.ts')
      expect(await say()).toBe('first')

      writeFileSync(file, appSource('second'))
      await waitFor(/Listening again on/)
      expect(await say()).toBe('second')

      const before = out.length
      writeFileSync(file, 'export default createApp({ switches: { v1: { ')
      await waitFor(/Restart failed: .* Waiting for the next change\./)
      expect(out.slice(before)).toMatch(/app\.ts/)
      await expect(fetch(`http://127.0.0.1:${port}/api/v1/ping`)).rejects.toThrow()

      const mark = out.length
      writeFileSync(file, appSource('third'))
      for (let i = 0; !/Listening again on/.test(out.slice(mark)); i++) {
        if (i > 600) throw new Error(`no recovery in:\n${out.slice(mark)}`)
        await new Promise((r) => setTimeout(r, 50))
      }
      expect(await say()).toBe('third')
    } finally {
      controller.abort()
      expect(await done).toBe(0)
      project.cleanup()
    }
  })
})
