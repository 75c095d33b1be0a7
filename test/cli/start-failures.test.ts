/**
 * runserver when rr cannot start (issue 16, issue 17 item 3), the CLI as a process and the real rr:
 * a busy listener other than http is named with its key before rr starts; a worker that dies only
 * under rr makes --detach exit 1 (never "started") with rr's error, the cause and the fix, and no ANSI
 * colours in the output (NO_COLOR); the foreground run ends with the same sentence.
 */
import { existsSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { freePort } from '../helpers/rr.js'
import { rrConfig, useProjects } from './_project.js'

const project = useProjects((p) => p.run(['stopserver', '--force']))
// Answers the entry probe (no RR_MODE there), then dies in every worker rr starts.
const DIES_UNDER_RR = "import { serve } from 'pionia'\nif (process.env.RR_MODE) throw new Error('boom under rr')\nawait serve({ http: { fetch: () => new Response('ok') } })\n"

function listen(port: number): Promise<Server> {
  return new Promise((res) => {
    const s = createServer()
    s.listen(port, '127.0.0.1', () => res(s))
  })
}

describe('runserver start failures', () => {
  it('a busy metrics listener: named with its key before rr starts, exit 1', async () => {
    const [http, metrics] = [await freePort(), await freePort()]
    const p = project({ rrYaml: rrConfig(http, { metrics: { address: `127.0.0.1:${metrics}` } }) })
    const blocker = await listen(metrics)
    try {
      const r = await p.run(['runserver', '--detach'])
      expect(r.exitCode).toBe(1)
      expect(r.stderr).toContain(`metrics.address (127.0.0.1:${metrics}) is already in use`)
      expect(r.stderr).toContain('change metrics.address in .rr.yaml')
      expect(existsSync(join(p.dir, '.pid'))).toBe(false)
      expect(existsSync(join(p.dir, '.rr.runtime.json'))).toBe(false)
    } finally {
      blocker.close()
    }
  })

  it('a worker that dies under rr: --detach exits 1 with rr error, cause and fix, no ANSI; the foreground run too', async () => {
    const port = await freePort()
    const p = project({ withWorker: false, rrYaml: rrConfig(port) })
    writeFileSync(join(p.dir, 'worker.ts'), DIES_UNDER_RR)
    const r = await p.run(['runserver', '--detach'])
    expect(r.exitCode, r.stdout).toBe(1)
    expect(r.stdout).not.toContain('started in background')
    expect(r.stderr).toContain('RoadRunner exited during start')
    expect(r.stderr).toMatch(/static_pool_allocate_workers|WorkerAllocate/)
    expect(r.stderr).toContain('Cause: rr could not start its http workers: the worker process exited at once')
    expect(r.stderr).not.toContain('\x1b[')
    expect(existsSync(join(p.dir, '.rr.runtime.json'))).toBe(false)
    const fg = await p.run(['runserver'])
    expect(fg.exitCode).not.toBe(0)
    expect(fg.stdout).not.toContain('\x1b[')
    expect(fg.stderr).toContain('Cause: rr could not start its http workers')
  })
})
