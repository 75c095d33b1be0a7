/**
 * rr restarts while an RPC client and job producers are in use (DeskFlow's shipped config, jobs on):
 * the same RpcClient and jobs producer work again after the restart; pushes during the outage fail
 * with RpcConnectionError naming the address; Moonlight's async() falls back to running the action in
 * process before answering (its own envelope, no 202); every push rr accepted is consumed (none vanish).
 */
import { afterAll, describe, expect, it } from 'vitest'
import { RpcClient, RpcConnectionError, informer } from '../../src/rpc/index.js'
import { jobs } from '../../src/jobs/index.js'
import { jwtEncode } from '../../src/moonlight/index.js'
import { rrJobQueue } from '../../src/moonlight/jobs/index.js'
import { createDeskflowApp } from '../../app/app.js'
import { startRr, type RrInstance } from '../helpers/rr.js'
import { startDeskflow, waitFor, type DeskflowStack } from './stack.js'

const SECRET = 'deskflow-test-secret-5c1e9a7b3f2d8046'

describe('rr restart under an RPC client and job producers', () => {
  let stack: DeskflowStack | undefined
  let second: RrInstance | undefined
  afterAll(async () => {
    await second?.stop()
    await stack?.stop()
  })

  it('reconnects; outage pushes fail clearly or run in process; accepted pushes are all consumed', async () => {
    let rpcAddress = ''
    stack = await startDeskflow({
      workers: 1,
      jobs: true,
      edit: (c) => {
        // a short grace period: rr's jobs Stop waits it out (see graceful-stop.test.ts)
        c.endure = { grace_period: '5s' }
        rpcAddress = String(c.rpc.listen)
      },
    })
    stack.project.setSection('jobs', { ENABLED: 'true', PIPELINE: 'moonlight', RPC: rpcAddress })
    const run = Date.now().toString(36)
    const client = new RpcClient(rpcAddress, { timeoutMs: 3000, connectAttempts: 2 })
    const producer = jobs(client, { pipeline: 'moonlight' })
    const push = (email: string) =>
      producer.push('moonlight.dispatch', { service: 'mail', action: 'send_welcome', payload: { email }, switch: 'v1' })

    // the same queue Moonlight uses in a worker, in this process
    const app = createDeskflowApp({ root: stack.project.root })
    app.useJobQueue(rrJobQueue(app.settings, { timeoutMs: 3000 }))
    const bearer = `Bearer ${jwtEncode({ sub: 1, email: 'alex@northwind.studio' }, SECRET, 600)}`
    const invite = async (email: string) => {
      const res = await app.fetch(
        new Request('http://localhost/api/v1/', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: bearer },
          body: JSON.stringify({ service: 'member', action: 'invite', email }),
        }),
      )
      return { status: res.status, body: (await res.json()) as { returnCode: number; returnMessage: string; returnData: { job_id?: string; email?: string } } }
    }

    const accepted: string[] = []
    // 1. rr up
    for (let i = 0; i < 5; i++) {
      const email = `up-${i}-${run}@example.com`
      expect(typeof (await push(email))).toBe('string')
      accepted.push(email)
    }
    const viaApp = await invite(`app-up-${run}@example.com`)
    expect(viaApp.status).toBe(202)
    expect(typeof viaApp.body.returnData.job_id).toBe('string')
    accepted.push(`app-up-${run}@example.com`)
    expect((await informer(client).workers('jobs')).length).toBe(1)
    // wait until the first instance ran them (a memory pipeline does not outlive rr)
    await waitFor(() => accepted.every((e) => stack!.rr.output().includes(`Welcome email sent to ${e}`)), 'the jobs of the first rr')

    // 2. outage
    expect(await stack.rr.stop()).toBe(0)
    for (let i = 0; i < 3; i++) {
      const err = await push(`down-${i}-${run}@example.com`).then(
        () => null,
        (e: unknown) => e,
      )
      expect(err).toBeInstanceOf(RpcConnectionError)
      expect((err as Error).message).toContain(rpcAddress)
      expect((err as Error).message).toMatch(/Is rr running/)
    }
    await expect(informer(client).list()).rejects.toBeInstanceOf(RpcConnectionError)
    const written: string[] = []
    const origWrite = process.stderr.write.bind(process.stderr)
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      written.push(String(chunk))
      return (origWrite as (...a: unknown[]) => boolean)(chunk, ...rest)
    }) as typeof process.stderr.write
    try {
      const down = await invite(`app-down-${run}@example.com`)
      // the fallback ran mail.send_welcome in this process before answering: its envelope, not a 202
      expect(down.status).toBe(200)
      expect(down.body).toMatchObject({ returnCode: 0, returnMessage: 'Welcome email queued for delivery', returnData: { email: `app-down-${run}@example.com` } })
      await waitFor(() => written.some((l) => l.includes(`Welcome email sent to app-down-${run}@example.com`)), 'the in-process fallback')
      expect(written.filter((l) => l.includes('Moonlight job queue unavailable')).length).toBe(1)
    } finally {
      process.stderr.write = origWrite
    }

    // 3. rr back on the same addresses: the same client and producer reconnect
    second = await startRr({ config: stack.config, cwd: stack.project.root, waitForUrl: `${stack.base}/api/v1/ping` })
    const after: string[] = []
    const firstOk = await waitFor(
      async () => {
        const email = `back-0-${run}@example.com`
        await push(email)
        return email
      },
      'a push on the old client after the restart',
    )
    after.push(firstOk)
    for (let i = 1; i < 5; i++) {
      const email = `back-${i}-${run}@example.com`
      await push(email)
      after.push(email)
    }
    const back = await invite(`app-back-${run}@example.com`)
    expect(back.status).toBe(202)
    expect(typeof back.body.returnData.job_id).toBe('string')
    after.push(`app-back-${run}@example.com`)
    expect((await informer(client).workers('jobs')).length).toBe(1)
    await waitFor(() => after.every((e) => second!.output().includes(`Welcome email sent to ${e}`)), 'the jobs of the restarted rr')
    // nothing pushed during the outage reached either rr
    expect(`${second.output()}`).not.toMatch(new RegExp(`down-\\d-${run}`))
    await client.close()
    await app.close()
  }, 120_000)
})
