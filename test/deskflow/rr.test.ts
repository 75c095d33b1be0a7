import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { processesMatching, startRr, type RrInstance } from '../helpers/rr.js'
import { repoRrConfig, tempProject, type TempProject } from './project.js'
import { call, walkthrough, type Send } from './walkthrough.js'

/**
 * The same walkthrough through the real rr running the repository's worker.ts with the repository's
 * .rr.yaml (addresses moved to free ports, two workers sharing one SQLite file) in a temp copy of the project settings.
 */
describe('DeskFlow through the real rr', () => {
  let project: TempProject
  let rr: RrInstance
  let send: Send
  let rpcAddress: string
  const marker = `--deskflow-test=${randomBytes(6).toString('hex')}`

  beforeAll(async () => {
    project = tempProject()
    const repo = await repoRrConfig([marker])
    const { config } = repo
    const port = repo.httpPort
    config.http.pool.num_workers = 2
    rpcAddress = config.rpc.listen
    // rr 2025.1.x's jobs plugin holds its Stop until endure's grace period ends (upstream
    // roadrunner-server/roadrunner#2194; .rr.yaml sets 10 s): 3 s keeps this test short.
    config.endure = { ...config.endure, grace_period: '3s' }
    rr = await startRr({ config, cwd: project.root, waitForUrl: `http://127.0.0.1:${port}/api/v1/ping` })
    send = (path, init) => fetch(`http://127.0.0.1:${port}${path}`, init)
  })
  afterAll(async () => {
    await rr?.stop()
    project?.cleanup()
  })

  it('runs the tutorial walkthrough; maintenance toggles apply without restarting rr or its worker', async () => {
    const workersBefore = processesMatching(marker)
    expect(workersBefore.length).toBeGreaterThan(0)
    await walkthrough(send, project)
    expect(rr.process.exitCode).toBeNull()
    expect(processesMatching(marker).sort()).toEqual(workersBefore.sort())
    // the deferred assignment email line reached rr's log (worker stderr), after the response
    await rr.waitForOutput(/Assignment email sent to alex@northwind\.studio for task #4/)
  })

  it('keeps answering after a request whose action fails, with the error hidden outside debug', async () => {
    const r = await call(send, { service: 'project', action: 'retrieve', id: 'not-a-number' })
    expect(r.status).toBe(422)
    expect(r.body.returnMessage).toBe('id must be an integer')
    const again = await call(send, { service: 'task', action: 'list' })
    expect(again.body.returnCode).toBe(0)
  })

  it('queues member.invite on rr jobs once [jobs] ENABLED is set (read per call); a jobs worker sends the mail', async () => {
    const login = await call(send, { service: 'member', action: 'login', email: 'alex@northwind.studio', password: 'secret' })
    const auth = { authorization: `Bearer ${login.body.returnData.token}` }
    project.setSection('jobs', { ENABLED: 'true', PIPELINE: 'moonlight', RPC: String(rpcAddress) })
    const queued = await call(send, { service: 'member', action: 'invite', email: 'sam@northwind.studio' }, auth)
    expect(queued.status).toBe(202)
    expect(queued.body).toMatchObject({ returnCode: 202, returnMessage: 'Accepted' })
    expect(typeof queued.body.returnData.job_id).toBe('string')
    await rr.waitForOutput(/Welcome email sent to sam@northwind\.studio/)
    expect(rr.output()).not.toMatch(/Moonlight job queue unavailable/)
  })

  it('stops cleanly: exit code 0 and no worker left behind', async () => {
    const code = await rr.stop()
    expect(code).toBe(0)
    expect(processesMatching(marker)).toEqual([])
  })
})
