import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { ROOT, startRr, type RrInstance } from '../helpers/rr.js'
import { repoRrConfig, tempProject, type TempProject } from './project.js'

/**
 * The README's DeskFlow curl lines, exactly as printed (curl -d with no Content-Type: a urlencoded
 * body that is JSON text), run by bash against the real rr serving the repository's worker.ts, under
 * both rr form settings: the repository's `http.raw_body: true` and rr's default `false`.
 */
const run = promisify(execFile)

/** The `curl … -d '{…}'` lines of the README's DeskFlow block, by action. */
function readmeCurlLines(): { list: string; login: string; create: string } {
  const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').filter((l) => /^curl -s localhost:8000\/api\/v1\/ .*-d '\{/.test(l))
  const find = (action: string): string => {
    const line = lines.find((l) => l.includes(`"action":"${action}"`))
    if (!line) throw new Error(`README has no curl line for action ${action}`)
    return line
  }
  return { list: find('list'), login: find('login'), create: find('create') }
}

/** Runs one README line in bash with the port moved to rr's; returns the parsed answer. */
async function curlLine(line: string, port: number, env: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const cmd = `${line.replace('localhost:8000', `localhost:${port}`)} -w '\\n%{http_code}'`
  const { stdout } = await run('bash', ['-c', cmd], { env: { ...process.env, ...env } })
  const i = stdout.lastIndexOf('\n')
  return { status: Number(stdout.slice(i + 1)), body: JSON.parse(stdout.slice(0, i)) }
}

const lines = readmeCurlLines()

describe.each([
  { rawBody: true, name: "the repository's .rr.yaml (raw_body: true)" },
  { rawBody: false, name: "rr's default form parsing (raw_body: false)" },
])('README curl lines under the real rr, $name', ({ rawBody }) => {
  let project: TempProject
  let rr: RrInstance
  let port: number

  beforeAll(async () => {
    project = tempProject()
    const repo = await repoRrConfig()
    const { config } = repo
    port = repo.httpPort
    expect(config.http.raw_body).toBe(true)
    config.http.raw_body = rawBody
    config.http.pool.num_workers = 1
    delete config.jobs
    rr = await startRr({ config, cwd: project.root, waitForUrl: `http://127.0.0.1:${port}/api/v1/ping` })
  })
  afterAll(async () => {
    await rr?.stop()
    project?.cleanup()
  })

  it('list and login answer as under npx pionia serve', async () => {
    const list = await curlLine(lines.list, port)
    expect(list.status).toBe(200)
    expect(list.body.returnCode).toBe(0)
    expect(list.body.returnData.tasks.length).toBeGreaterThan(0)
    expect(list.body.returnData.tasks.every((t: { status: string }) => t.status === 'open')).toBe(true)
    const login = await curlLine(lines.login, port)
    expect(login.status).toBe(200)
    expect(login.body.returnCode).toBe(0)
    expect(typeof login.body.returnData.token).toBe('string')
  })

  it(rawBody ? 'create stores the title as sent' : 'create, whose title has spaces rr dropped, is a 400 naming the fix; without spaces it works', async () => {
    const login = await curlLine(lines.login, port)
    const TOKEN = login.body.returnData.token as string
    const create = await curlLine(lines.create, port, { TOKEN })
    if (rawBody) {
      expect(create.status).toBe(200)
      expect(create.body.returnCode).toBe(0)
      expect(create.body.returnData.task).toMatchObject({ title: 'Ship DeskFlow docs', project_id: 1, assignee: 'alex@northwind.studio' })
      return
    }
    expect(create.status).toBe(400)
    expect(create.body.returnMessage).toContain("-H 'Content-Type: application/json'")
    expect(create.body.returnMessage).toContain('http.raw_body: true')
    const spaceless = await curlLine(lines.create.replace('Ship DeskFlow docs', 'Ship-DeskFlow-docs'), port, { TOKEN })
    expect(spaceless.status).toBe(200)
    expect(spaceless.body.returnData.task).toMatchObject({ title: 'Ship-DeskFlow-docs', project_id: 1 })
    // rr still parses real forms: fields and PHP-style nesting reach the action
    const form = await run('curl', ['-s', `localhost:${port}/api/v1/`, '-H', `Authorization: Bearer ${TOKEN}`, '-d', 'service=task&action=create&title=Form+task&project_id=1'])
    expect(JSON.parse(form.stdout).returnData.task).toMatchObject({ title: 'Form task' })
  })
})
