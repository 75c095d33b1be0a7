// DeskFlow's shared state through the real rr with two HTTP workers and the repository's .rr.yaml
// (addresses moved to free ports): task.list served from rr KV by either worker, flushed by
// task.create; the login limit holding under concurrent logins; per service/action counters on
// rr's Prometheus endpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { RpcClient, informer } from '../../src/rpc/index.js'
import { startRr, type RrInstance } from '../helpers/rr.js'
import { repoRrConfig, tempProject, type TempProject } from '../deskflow/project.js'
import { call, type Reply } from '../deskflow/walkthrough.js'
import { scrape } from '../metrics/scrape.js'

describe('DeskFlow shared state across two rr workers', () => {
  let project: TempProject
  let rr: RrInstance
  let rpc: RpcClient
  let metricsUrl: string
  const calls = new Map<string, number>()
  const send = async (body: Record<string, unknown>, headers?: Record<string, string>): Promise<Reply> => {
    const key = `${body.service}.${body.action}`
    calls.set(key, (calls.get(key) ?? 0) + 1)
    return call((path, init) => fetch(`http://127.0.0.1:${port}${path}`, init), body, headers)
  }
  let port: number

  /** Per-pid request counts of the http pool. */
  const execs = async () => new Map((await informer(rpc).workers('http')).map((w) => [w.pid, w.numExecs]))
  /** Sends `n` concurrent copies of a call; repeats until both workers took part (bounded). */
  const acrossWorkers = async (n: number, make: () => Promise<Reply>): Promise<Reply[]> => {
    const before = await execs()
    expect(before.size).toBe(2)
    const replies: Reply[] = []
    for (let round = 0; round < 5; round++) {
      replies.push(...(await Promise.all(Array.from({ length: n }, make))))
      const after = await execs()
      if ([...before].every(([pid, count]) => (after.get(pid) ?? 0) > count)) return replies
    }
    throw new Error('rr kept sending every request to the same worker')
  }

  beforeAll(async () => {
    project = tempProject()
    project.setSection('auth', { LOGIN_ATTEMPTS: '3', LOGIN_DECAY: '60' })
    const repo = await repoRrConfig()
    const { config } = repo
    port = repo.httpPort
    config.http.pool.num_workers = 2
    delete config.jobs
    expect(config.kv.cache.driver).toBe('memory')
    rr = await startRr({ config, cwd: project.root, waitForUrl: `http://127.0.0.1:${port}/api/v1/ping` })
    rpc = new RpcClient(config.rpc.listen)
    metricsUrl = `http://${config.metrics.address}/metrics`
  })
  afterAll(async () => {
    await rpc?.close()
    await rr?.stop()
    project?.cleanup()
  })

  it('task.list is computed once and served from rr KV by both workers until task.create flushes it', async () => {
    const first = await send({ service: 'task', action: 'list' })
    expect(first.body.returnCode).toBe(0)
    expect(first.body.returnData.tasks).toHaveLength(3)

    // A row written behind the app's back: a worker that queried the database would show it.
    const db = new Database(join(project.root, 'database.sqlite3'))
    db.prepare("INSERT INTO tasks (title, status, assignee) VALUES ('Written behind the cache', 'open', 'jamie@northwind.studio')").run()
    db.close()

    const cached = await acrossWorkers(8, () => send({ service: 'task', action: 'list' }))
    for (const r of cached) expect(r.body.returnData).toEqual(first.body.returnData)

    const login = await send({ service: 'member', action: 'login', email: 'alex@northwind.studio', password: 'secret' })
    expect(login.body.returnCode).toBe(0)
    const created = await send(
      { service: 'task', action: 'create', title: 'Ship DeskFlow docs' },
      { authorization: `Bearer ${login.body.returnData.token}` },
    )
    expect(created.body.returnCode).toBe(0)

    const fresh = await acrossWorkers(8, () => send({ service: 'task', action: 'list' }))
    for (const r of fresh) {
      expect(r.body.returnData.tasks.map((t: { title: string }) => t.title)).toEqual([
        'Review homepage mockups',
        'Prepare sprint retro notes',
        'Update client project brief',
        'Written behind the cache',
        'Ship DeskFlow docs',
      ])
    }
    // filtered lists are cached under their own keys and flushed with the group
    const open = await send({ service: 'task', action: 'list', status: 'open' })
    expect(open.body.returnData.tasks).toHaveLength(4)
  })

  it('task.update and task.delete flush the cached lists on every worker', async () => {
    const login = await send({ service: 'member', action: 'login', email: 'alex@northwind.studio', password: 'secret' })
    const auth = { authorization: `Bearer ${login.body.returnData.token}` }
    const before = (await send({ service: 'task', action: 'list' })).body.returnData.tasks as { id: number; title: string }[]
    const behind = before.find((t) => t.title === 'Written behind the cache')!
    const updated = await send({ service: 'task', action: 'update', id: before[0]!.id, title: 'Review homepage mockups v2', status: 'done' }, auth)
    expect(updated.body.returnCode).toBe(0)
    expect(updated.body.returnMessage).toBe('Task updated')
    for (const r of await acrossWorkers(8, () => send({ service: 'task', action: 'list' }))) {
      expect(r.body.returnData.tasks[0]).toMatchObject({ id: before[0]!.id, title: 'Review homepage mockups v2', status: 'done' })
    }
    const deleted = await send({ service: 'task', action: 'delete', id: behind.id }, auth)
    expect(deleted.body.returnCode).toBe(0)
    for (const r of await acrossWorkers(8, () => send({ service: 'task', action: 'list' }))) {
      expect(r.body.returnData.tasks.map((t: { id: number }) => t.id)).not.toContain(behind.id)
      expect(r.body.returnData.tasks).toHaveLength(before.length - 1)
    }
    const missing = await send({ service: 'task', action: 'delete', id: behind.id }, auth)
    expect(missing.body.returnCode).toBe(404)
    expect(missing.body.returnMessage).toBe(`Task #${behind.id} not found`)
    const anonymous = await send({ service: 'task', action: 'update', id: before[0]!.id, title: 'nope nope' })
    expect(anonymous.body.returnCode).toBe(401)
  })

  it('the login limit holds for concurrent logins spread over both workers', async () => {
    const replies = await Promise.all(
      Array.from({ length: 8 }, () => send({ service: 'member', action: 'login', email: 'jamie@northwind.studio', password: 'secret' })),
    )
    const ok = replies.filter((r) => r.body.returnCode === 0)
    const limited = replies.filter((r) => r.body.returnCode === 429)
    expect(ok).toHaveLength(3)
    expect(limited).toHaveLength(5)
    for (const r of limited) {
      expect(r.status).toBe(429)
      expect(r.body.returnMessage).toMatch(/^Too many login attempts for jamie@northwind\.studio: try again in \d+ s$/)
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0)
    }
    const pids = await informer(rpc).workers('http')
    expect(pids.every((w) => w.numExecs > 0)).toBe(true)
  })

  it('rr metrics endpoint counts the calls per service and action, from both workers', async () => {
    await send({ service: 'nope', action: 'list' })
    await send({ service: 'project', action: 'list' })
    const s = await scrape(metricsUrl)
    expect(s.sample('deskflow_requests_total', { service: 'task', action: 'list' })).toBe(calls.get('task.list'))
    expect(s.sample('deskflow_requests_total', { service: 'task', action: 'create' })).toBe(1)
    // the anonymous update was refused by auth before the action ran: only dispatched calls count
    expect(s.sample('deskflow_requests_total', { service: 'task', action: 'update' })).toBe(1)
    expect(s.sample('deskflow_requests_total', { service: 'member', action: 'login' })).toBe(calls.get('member.login'))
    expect(s.sample('deskflow_requests_total', { service: 'project', action: 'list' })).toBe(1)
    expect(s.text).not.toContain('service="nope"')
    expect(s.text).toContain('# TYPE deskflow_requests_total counter')
    // declared once in .rr.yaml: no worker's first call makes rr warn about a second declaration
    expect(rr.output()).not.toMatch(/already exist/)
    expect(rr.output()).not.toMatch(/request metrics off/)
  })
})
