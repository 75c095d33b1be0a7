/**
 * The worker entry checked against .rr.yaml before rr starts it (rr:setup and runserver, the CLI as a
 * process, the real rr): issue 16's failing case (a fetch-only worker with rr:setup's default config)
 * starts and answers; a section without a handler and a worker that throws at import are exit 1 with
 * the fix, and nothing is written.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { freePort, rrBinary } from '../helpers/rr.js'
import { rrConfig, useProjects } from './_project.js'

const project = useProjects((p) => p.run(['stopserver', '--force']))
const FETCH_ONLY = "import { serve } from 'pionia'\nawait serve({ http: { fetch: (req) => Response.json({ ok: true }) } })\n"

describe('worker entry vs .rr.yaml', () => {
  it('a fetch-only worker with the default config rr:setup writes: no jobs section, runserver --detach answers 200', async () => {
    const p = project({ withWorker: false })
    writeFileSync(join(p.dir, 'worker.ts'), FETCH_ONLY)
    const setup = await p.run(['rr:setup', '--binary', rrBinary()])
    expect(setup.exitCode, setup.stdout + setup.stderr).toBe(0)
    expect(setup.stdout).toContain('==> Worker entry OK (serves http)')
    const yaml = parse(readFileSync(join(p.dir, '.rr.yaml'), 'utf8')) as Record<string, unknown>
    expect(yaml.http).toBeDefined()
    expect(yaml.jobs).toBeUndefined()
    const [port, rpc, status] = [await freePort(), await freePort(), await freePort()]
    const start = await p.run(['runserver', '--detach', '--port', String(port), '-o', `rpc.listen=tcp://127.0.0.1:${rpc}`, '-o', `status.address=127.0.0.1:${status}`])
    try {
      expect(start.exitCode, start.stdout + start.stderr).toBe(0)
      const res = await fetch(`http://127.0.0.1:${port}/`)
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ ok: true })
    } finally {
      expect((await p.run(['stopserver'])).stdout).toContain('RoadRunner stopped.')
    }
  })

  it('a jobs section the worker cannot serve: rr:setup and runserver name the section and the fix, exit 1, rr never starts', async () => {
    const port = await freePort()
    const p = project({ withWorker: false, rrYaml: rrConfig(port, { jobs: { consume: ['q'], pool: { num_workers: 1 }, pipelines: { q: { driver: 'memory', config: {} } } } }) })
    writeFileSync(join(p.dir, 'worker.ts'), FETCH_ONLY)
    const before = readFileSync(join(p.dir, '.rr.yaml'), 'utf8')
    const setup = await p.run(['rr:setup'])
    expect(setup.exitCode).toBe(1)
    expect(setup.stdout).toContain('.rr.yaml has a "jobs" section, but worker.ts has no handler for RR_MODE=jobs (it handles: http).')
    expect(setup.stdout).toContain('Fix: remove the "jobs:" section from .rr.yaml, or add the handler: serve({ http: app, modes: { jobs: handler } })')
    expect(setup.stdout).not.toContain('Ready:')
    const run = await p.run(['runserver', '--detach'])
    expect(run.exitCode).toBe(1)
    expect(run.stderr).toContain('.rr.yaml has a "jobs" section, but worker.ts has no handler for RR_MODE=jobs')
    expect(run.stdout + run.stderr).not.toContain('static_pool_allocate_workers')
    expect(existsSync(join(p.dir, '.pid'))).toBe(false)
    expect(readFileSync(join(p.dir, '.rr.yaml'), 'utf8')).toBe(before)
  })

  it('a worker entry that throws at import: rr:setup writes no .rr.yaml, both commands show the error and exit 1', async () => {
    const p = project({ withWorker: false })
    writeFileSync(join(p.dir, 'worker.ts'), "throw new Error('boom at import')\n")
    const setup = await p.run(['rr:setup', '--binary', rrBinary()])
    expect(setup.exitCode).toBe(1)
    expect(setup.stderr).toContain('The worker entry worker.ts fails when it is imported (exit code 1), so rr could not start it:')
    expect(setup.stderr).toContain('Error: boom at import')
    expect(setup.stderr).toContain('Fix the error above in worker.ts')
    expect(existsSync(join(p.dir, '.rr.yaml'))).toBe(false)
    writeFileSync(join(p.dir, '.rr.yaml'), `version: "3"\nserver:\n  command: "node --import tsx worker.ts"\nhttp:\n  address: 127.0.0.1:${await freePort()}\n`)
    const run = await p.run(['runserver'])
    expect(run.exitCode).toBe(1)
    expect(run.stderr).toContain('Error: boom at import')
    expect(existsSync(join(p.dir, '.pid'))).toBe(false)
  })
})
