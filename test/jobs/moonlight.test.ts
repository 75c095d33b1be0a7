/**
 * moonlight().async through the real rr: DeskFlow's worker.ts and .rr.yaml (ports moved to free
 * ones), member.invite → 202 {job_id} → the RR_MODE=jobs worker runs mail.send_welcome; `[jobs]`
 * read fresh; the synchronous fallback (the action's own envelope) when jobs are off or rr's RPC is
 * unreachable.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { ROOT, freePort, nodeCommand, startRr, type RrInstance } from '../helpers/rr.js'
import { tempProject, type TempProject } from '../deskflow/project.js'
import { call, type Send } from '../deskflow/walkthrough.js'
import { RpcClient, jobs, type JobsService } from '../../src/jobs/index.js'
import { createDeskflowApp } from '../../app/app.js'
import { rrJobQueue } from '../../src/moonlight/jobs/index.js'

describe('moonlight().async on rr jobs (DeskFlow)', () => {
  let project: TempProject
  let rr: RrInstance
  let send: Send
  let rpc: RpcClient
  let queue: JobsService
  let rpcAddress: string
  let auth: Record<string, string>

  const jobsOn = () => project.setSection('jobs', { ENABLED: 'true', PIPELINE: 'moonlight', RPC: rpcAddress })

  beforeAll(async () => {
    project = tempProject()
    const config = parse(readFileSync(join(ROOT, '.rr.yaml'), 'utf8')) as Record<string, any>
    const port = await freePort()
    rpcAddress = `tcp://127.0.0.1:${await freePort()}`
    config.rpc.listen = rpcAddress
    config.http.address = `127.0.0.1:${port}`
    config.http.pool.num_workers = 1
    config.jobs.pool.num_workers = 1
    config.server.command = nodeCommand('worker.ts').join(' ')
    delete config.version
    // rr's jobs plugin stops only when the grace period ends (pollers block on an empty queue)
    config.endure = { grace_period: '3s' }
    jobsOn()
    rr = await startRr({ config, cwd: project.root, waitForUrl: `http://127.0.0.1:${port}/api/v1/ping` })
    send = (path, init) => fetch(`http://127.0.0.1:${port}${path}`, init)
    rpc = new RpcClient(rpcAddress)
    queue = jobs(rpc, { pipeline: 'moonlight' })
    const login = await call(send, { service: 'member', action: 'login', email: 'alex@northwind.studio', password: 'secret' })
    if (login.body.returnCode !== 0) throw new Error(`login failed: ${JSON.stringify(login.body)}\n${rr.output().slice(-3000)}`)
    auth = { authorization: `Bearer ${login.body.returnData.token}` }
  })
  afterAll(async () => {
    await rpc?.close()
    await rr?.stop()
    project?.cleanup()
  })

  it('member.invite answers 202 Accepted {job_id}; the jobs worker runs mail.send_welcome and logs one line', async () => {
    const r = await call(send, { service: 'member', action: 'invite', email: 'queued@northwind.studio' }, auth)
    expect(r.body, JSON.stringify(r.body)).toMatchObject({ returnCode: 202 })
    expect(r.body.returnMessage).toBe('Accepted')
    const id = r.body.returnData.job_id as string
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    await rr.waitForOutput(new RegExp(`jobs: id=${id} job=mail\\.send_welcome pipeline=moonlight outcome=ack duration=[\\d.]+ms`))
    await rr.waitForOutput(/Welcome email sent to queued@northwind\.studio/)
  })

  it('reads [jobs] ENABLED fresh: off → runs now and answers mail.send_welcome\'s envelope, on again → queued', async () => {
    project.setSection('jobs', { ENABLED: 'false', PIPELINE: 'moonlight', RPC: rpcAddress })
    const r = await call(send, { service: 'member', action: 'invite', email: 'inline@northwind.studio' }, auth)
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ returnCode: 0, returnMessage: 'Welcome email queued for delivery', returnData: { email: 'inline@northwind.studio' } })
    await rr.waitForOutput(/Welcome email sent to inline@northwind\.studio/)

    jobsOn()
    const again = await call(send, { service: 'member', action: 'invite', email: 'again@northwind.studio' }, auth)
    expect(again.body.returnCode).toBe(202)
    expect(again.body.returnData.job_id).toMatch(/^[0-9a-f-]{36}$/)
    await rr.waitForOutput(new RegExp(`jobs: id=${again.body.returnData.job_id} job=mail\\.send_welcome`))
    await rr.waitForOutput(/Welcome email sent to again@northwind\.studio/)
    const out = rr.output()
    // queued this time: the jobs worker acked it; the inline one ran once, in the http worker, unqueued
    expect(out).toMatch(new RegExp(`jobs: id=${again.body.returnData.job_id} job=mail\\.send_welcome pipeline=moonlight outcome=ack `))
    expect(out.match(/Welcome email sent to inline@northwind\.studio/g)).toHaveLength(1)
  })

  it('falls back to running synchronously when rr\'s RPC is unreachable (outside rr, where [jobs] RPC applies)', async () => {
    // Inside rr a worker always uses its own RR_RPC (test/security/rpc-target.test.ts); a process
    // outside rr (a script, this test) goes to [jobs] RPC: point it at a port nothing listens on.
    project.setSection('jobs', { ENABLED: 'true', PIPELINE: 'moonlight', RPC: `tcp://127.0.0.1:${await freePort()}` })
    const lines: string[] = []
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => (lines.push(String(chunk)), true))
    try {
      const app = createDeskflowApp({ root: project.root })
      app.useJobQueue(rrJobQueue(app.settings, { timeoutMs: 2000 }))
      const res = await app.fetch(new Request('http://localhost/api/v1/', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify({ service: 'member', action: 'invite', email: 'offline@northwind.studio' }),
      }))
      // the action ran before the answer: its own envelope, not a 202
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ returnCode: 0, returnMessage: 'Welcome email queued for delivery', returnData: { email: 'offline@northwind.studio' }, extraData: null })
      await app.close()
      expect(lines.join('')).toMatch(/Moonlight job queue unavailable: cannot call jobs\.Push/)
      expect(lines.join('')).toMatch(/Welcome email sent to offline@northwind\.studio/)
    } finally {
      spy.mockRestore()
      jobsOn()
    }
  })

  it('the consumer drops bad jobs with a clear log line and keeps running', async () => {
    const notJson = await queue.push('moonlight.dispatch', 'not json at all')
    await rr.waitForOutput(new RegExp(`jobs: id=${notJson} job=moonlight\\.dispatch pipeline=moonlight outcome=nack duration=[\\d.]+ms permanent=true error="job ${notJson} \\(moonlight\\.dispatch\\) is not a Moonlight call`))
    const noEmail = await queue.push('moonlight.dispatch', { service: 'mail', action: 'send_welcome', payload: {}, switch: 'v1' })
    await rr.waitForOutput(new RegExp(`jobs: id=${noEmail} job=mail\\.send_welcome pipeline=moonlight outcome=nack duration=[\\d.]+ms permanent=true error="email is required"`))
    // a flat body (no payload key) is read the way Pionia reads it
    const flat = await queue.push('moonlight.dispatch', { service: 'mail', action: 'send_welcome', email: 'flat@northwind.studio' })
    await rr.waitForOutput(new RegExp(`jobs: id=${flat} job=mail\\.send_welcome pipeline=moonlight outcome=ack`))
    await rr.waitForOutput(/Welcome email sent to flat@northwind\.studio/)
  })
})
