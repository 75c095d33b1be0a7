/**
 * The answer of moonlight().async when rr's jobs cannot take the push, against the real rr: the
 * action runs in process before the answer and its own envelope is the answer (Pionia's contract:
 * 202 `{job_id}` only when the queue accepted the job). Two ways the queue is unavailable:
 *   - rr runs without the jobs plugin: the http worker's push to its own rr fails (jobs.Push unknown);
 *   - rr was running and was stopped: a process outside rr (a script) pushes to the dead address.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { jwtEncode } from '../../src/moonlight/index.js'
import { rrJobQueue } from '../../src/moonlight/jobs/index.js'
import { createDeskflowApp } from '../../app/app.js'
import { startDeskflow, type DeskflowStack } from '../reliability/stack.js'

const SECRET = 'deskflow-test-secret-5c1e9a7b3f2d8046'
const welcome = { returnCode: 0, returnMessage: 'Welcome email queued for delivery' }

describe('moonlight().async with the jobs queue unavailable (real rr)', () => {
  const stacks: DeskflowStack[] = []
  afterAll(async () => {
    for (const s of stacks) await s.stop()
  })

  it('rr without the jobs plugin: member.invite over rr HTTP answers mail.send_welcome\'s envelope, with one warning', async () => {
    const stack = await startDeskflow({ workers: 1, jobs: false })
    stacks.push(stack)
    expect(stack.config.jobs).toBeUndefined()
    stack.project.setSection('jobs', { ENABLED: 'true', PIPELINE: 'moonlight' })
    const auth = await stack.login()
    const r = await stack.call({ service: 'member', action: 'invite', email: 'noplugin@northwind.studio' }, auth)
    expect(r.status, r.text).toBe(200)
    expect(r.body).toMatchObject({ ...welcome, returnData: { email: 'noplugin@northwind.studio' } })
    // rr forwards worker stderr asynchronously: wait for the lines, then count them
    await stack.rr.waitForOutput(/Welcome email sent to noplugin@northwind\.studio/)
    const out = stack.rr.output()
    expect(out).toMatch(/Moonlight job queue unavailable: .*jobs\.Push/)
    expect(out.match(/Moonlight job queue unavailable/g)).toHaveLength(1)
  }, 60_000)

  it('rr started, then stopped: the call made after the stop runs the action before answering', async () => {
    let rpcAddress = ''
    const stack = await startDeskflow({
      workers: 1,
      jobs: true,
      edit: (c) => {
        c.endure = { grace_period: '5s' }
        rpcAddress = String(c.rpc.listen)
      },
    })
    stacks.push(stack)
    stack.project.setSection('jobs', { ENABLED: 'true', PIPELINE: 'moonlight', RPC: rpcAddress })
    const app = createDeskflowApp({ root: stack.project.root })
    app.useJobQueue(rrJobQueue(app.settings, { timeoutMs: 3000 }))
    const bearer = `Bearer ${jwtEncode({ sub: 1, email: 'alex@northwind.studio' }, SECRET, 600)}`
    const written: string[] = []
    const origWrite = process.stderr.write.bind(process.stderr)
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      written.push(String(chunk))
      return (origWrite as (...a: unknown[]) => boolean)(chunk, ...rest)
    }) as typeof process.stderr.write
    const invite = async (email: string) => {
      const res = await app.fetch(
        new Request('http://localhost/api/v1/', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: bearer },
          body: JSON.stringify({ service: 'member', action: 'invite', email }),
        }),
      )
      // what this process had logged when the answer arrived
      return { status: res.status, body: (await res.json()) as Record<string, any>, logged: written.join('') }
    }
    try {
      // rr up: queued, and rr's jobs worker runs it
      const up = await invite('up@northwind.studio')
      expect(up.status).toBe(202)
      expect(up.body).toMatchObject({ returnCode: 202, returnMessage: 'Accepted' })
      expect(up.body.returnData.job_id).toMatch(/^[0-9a-f-]{36}$/)
      await stack.rr.waitForOutput(/Welcome email sent to up@northwind\.studio/)
      expect(up.logged).not.toMatch(/Welcome email sent to up@/)

      // rr really stopped (exit 0), then the call
      expect(await stack.rr.stop()).toBe(0)
      const down = await invite('down@northwind.studio')
      expect(down.status).toBe(200)
      expect(down.body).toEqual({ ...welcome, returnData: { email: 'down@northwind.studio' }, extraData: null })
      // synchronous: the action had run in this process before the answer, after one warning naming rr's address
      expect(down.logged).toMatch(/Welcome email sent to down@northwind\.studio/)
      const warnings = down.logged.split('\n').filter((l) => l.includes('Moonlight job queue unavailable'))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain(rpcAddress.replace('tcp://', ''))
      expect(warnings[0]).toMatch(/Is rr running/)
    } finally {
      process.stderr.write = origWrite
      await app.close()
    }
  }, 60_000)
})
