/**
 * Inside an rr worker, Moonlight talks to the rr that started it (RR_RPC), not to whatever
 * `[jobs] RPC` / `[cache] RPC` in settings.ini name: a decoy listener on the ini address must see no
 * byte while `async()` jobs (welcome emails) and the cache go to the real rr. The mismatch is logged
 * once per worker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type Server, type Socket } from 'node:net'
import { freePort } from '../helpers/rr.js'
import { startDeskflow, waitFor, type DeskflowStack } from '../reliability/stack.js'

describe('[jobs] RPC in settings.ini does not override RR_RPC inside rr', () => {
  let stack: DeskflowStack
  let decoy: Server
  let decoyAddress = ''
  let received = 0
  const sockets: Socket[] = []

  beforeAll(async () => {
    const port = await freePort()
    decoy = createServer((s) => {
      sockets.push(s)
      s.on('data', (d) => (received += d.length))
    })
    await new Promise<void>((r) => decoy.listen(port, '127.0.0.1', r))
    decoyAddress = `tcp://127.0.0.1:${port}`
    stack = await startDeskflow({
      workers: 1,
      jobs: true,
      edit: (c) => {
        c.endure = { grace_period: '5s' }
      },
      setup: (p) => {
        p.setSection('jobs', { ENABLED: 'true', PIPELINE: 'moonlight', RPC: decoyAddress })
        p.setSection('cache', { RPC: decoyAddress })
      },
    })
  })
  afterAll(async () => {
    await stack?.stop()
    for (const s of sockets) s.destroy()
    decoy?.close()
  })

  it('async() pushes to the worker\'s own rr (the job runs), the decoy gets nothing, the mismatch is logged once', async () => {
    const auth = await stack.login()
    const emails = [1, 2, 3].map((i) => `decoy-${i}-${Date.now().toString(36)}@example.com`)
    for (const email of emails) {
      const r = await stack.call({ service: 'member', action: 'invite', email }, auth)
      expect(r.status).toBe(202)
      expect(typeof r.body!.returnData.job_id, JSON.stringify(r.body)).toBe('string')
    }
    await waitFor(() => emails.every((e) => stack.rr.output().includes(`Welcome email sent to ${e}`)), 'the jobs ran in rr')
    // The cache (task lists, login throttle) went to rr too.
    expect((await stack.call({ service: 'task', action: 'list' })).status).toBe(200)
    expect(received).toBe(0)
    expect(sockets).toHaveLength(0)
    const out = stack.rr.output()
    const jobsWarnings = out.split('\n').filter((l) => l.includes(`[jobs] RPC = ${decoyAddress} in environment/settings.ini is ignored inside rr`))
    expect(jobsWarnings).toHaveLength(1)
    expect(jobsWarnings[0]).toContain(`listens on ${stack.rpcAddress} (RR_RPC)`)
    expect(out.split('\n').filter((l) => l.includes(`[cache] RPC = ${decoyAddress}`))).toHaveLength(1)
  }, 60_000)
})
