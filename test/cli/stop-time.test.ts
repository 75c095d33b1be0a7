/**
 * How long a stop takes with the default .rr.yaml (the one rr:setup writes, a memory jobs pipeline
 * included): rr's jobs plugin holds its Stop for all of endure.grace_period, so the default keeps
 * that short (asserted on the template). Walks it as a user does: runserver --detach, a request,
 * stopserver; and Ctrl+C on a foreground runserver. Each must end as a graceful stop by rr itself:
 * no escalation, exit 0, nothing left running. (No wall-clock bound: on a loaded machine that would
 * test the machine; the figures are in README/RELIABILITY.)
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { defaultRrYaml } from '../../src/cli/templates/rr-yaml.js'
import { freePort } from '../helpers/rr.js'
import { get, projectProcesses, startCli, useProjects } from './_project.js'

const project = useProjects((p) => p.run(['stopserver', '--force']))

/** The rr:setup template on free ports. */
async function templateProject() {
  const [http, rpc] = [await freePort(), await freePort()]
  const yaml = defaultRrYaml({ address: `127.0.0.1:${http}` }).replace('tcp://127.0.0.1:6001', `tcp://127.0.0.1:${rpc}`)
  const config = parse(yaml) as { jobs?: unknown; endure: { grace_period: string } }
  expect(config.jobs).toBeDefined()
  expect(config.endure.grace_period).toBe('3s')
  const p = project({ rrYaml: false })
  writeFileSync(join(p.dir, '.rr.yaml'), yaml)
  return { p, http }
}

describe('stopping rr with the default .rr.yaml (memory jobs pipeline)', () => {
  it('stopserver ends with rr\'s own graceful stop, no escalation; nothing left behind', async () => {
    const { p, http } = await templateProject()
    const start = await p.run(['runserver', '--detach'])
    expect(start.exitCode, start.stdout + start.stderr).toBe(0)
    expect((await get(http, '/api/v1/ping')).status).toBe(200)
    const stop = await p.run(['stopserver'])
    expect(stop.exitCode, stop.stdout + stop.stderr).toBe(0)
    expect(stop.stdout).toContain('RoadRunner stopped.')
    expect(stop.stdout).not.toMatch(/did not stop within|second SIGTERM|SIGKILL|forced/)
    expect(projectProcesses(p.dir)).toEqual([])
  })

  it('Ctrl+C on a foreground runserver is a graceful stop: exit 0, nothing left behind', async () => {
    const { p, http } = await templateProject()
    const run = startCli(p, ['runserver'])
    await run.waitFor(/Press Ctrl\+C to stop/)
    expect((await get(http, '/api/v1/ping')).status).toBe(200)
    run.proc.kill('SIGINT')
    expect((await run.proc).exitCode).toBe(0)
    expect(projectProcesses(p.dir)).toEqual([])
  })
})
