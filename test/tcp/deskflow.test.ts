/**
 * DeskFlow's line protocol (app/tcp.ts) under the real rr: the repository's .rr.yaml with its
 * commented tcp section switched on, served by the same worker.ts as the API. TASKS answers the
 * open tasks the API lists.
 */
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, startRr, type RrInstance } from '../helpers/rr.js'
import { repoRrConfig, tempProject, type TempProject } from '../deskflow/project.js'

let rr: RrInstance
let project: TempProject
let base: string
let tcpPort: number

/** Sends `lines` on one connection and collects everything until the server closes it. */
function converse(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: tcpPort })
    let got = ''
    s.setEncoding('utf8')
    s.on('data', (d: string) => (got += d))
    s.on('close', () => resolve(got))
    s.on('error', reject)
    s.write(text)
    setTimeout(() => s.destroy(new Error(`no close within 20 s; got ${JSON.stringify(got)}`)), 20_000).unref()
  })
}

async function openTitles(): Promise<string[]> {
  const res = await fetch(`${base}/api/v1/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ service: 'task', action: 'list', status: 'open', limit: 100 }),
  })
  const body = (await res.json()) as { returnCode: number; returnData: { tasks: { title: string }[] } }
  expect(body.returnCode).toBe(0)
  return body.returnData.tasks.map((t) => t.title)
}

beforeAll(async () => {
  project = tempProject({ env: { DEBUG: 'false' } })
  const { config, httpPort } = await repoRrConfig()
  tcpPort = await freePort()
  config.tcp = {
    servers: { deskflow: { addr: `127.0.0.1:${tcpPort}`, delimiter: '\n' } },
    pool: { num_workers: 1, allocate_timeout: '60s', destroy_timeout: '10s' },
  }
  base = `http://127.0.0.1:${httpPort}`
  rr = await startRr({ config, cwd: project.root, waitForUrl: `${base}/api/v1/ping`, waitForPort: tcpPort })
}, 120_000)

afterAll(async () => {
  await rr?.stop()
  project?.cleanup()
})

describe('DeskFlow over tcp', () => {
  it('answers TASKS with the open task titles the API lists, then QUIT closes', async () => {
    const titles = await openTitles()
    expect(titles.length).toBeGreaterThan(0)
    const out = await converse('TASKS\nQUIT\n')
    expect(out.split('\n').filter(Boolean)).toEqual(['DESKFLOW ready: TASKS or QUIT', ...titles, '.', 'BYE'])
  })

  it('names the commands for an unknown one and keeps the connection', async () => {
    const out = await converse('HELLO\nQUIT\n')
    expect(out).toContain('ERR unknown command "HELLO": send TASKS or QUIT\nBYE\n')
  })
})
