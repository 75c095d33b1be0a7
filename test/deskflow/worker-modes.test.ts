import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { nodeCommand } from '../helpers/rr.js'
import { tempProject } from './project.js'

/** worker.ts outside its known modes: a clear message and exit code 1, never a hang or a crash trace. */
describe('worker.ts mode routing', () => {
  const run = (env: Record<string, string>) => {
    const project = tempProject()
    const [bin, ...args] = nodeCommand('worker.ts')
    const { RR_MODE: _m, RR_RELAY: _r, ...base } = process.env
    const r = spawnSync(bin!, args, { cwd: project.root, env: { ...base, ...env }, encoding: 'utf8', timeout: 30_000, input: '' })
    project.cleanup()
    return r
  }

  it('names an unknown RR_MODE and what it handles', () => {
    const r = run({ RR_MODE: 'temporal', RR_RELAY: 'pipes' })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/no handler for RR_MODE=temporal \(it handles: http, tcp, grpc, jobs, centrifuge\)/)
    expect(r.stdout).toBe('')
  })

  it('says how to run it when started outside rr', () => {
    const r = run({})
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/This is a RoadRunner worker.*cannot run on its own/)
    expect(r.stderr).toContain('npx pionia serve')
    expect(r.stdout).toBe('')
  })
})
