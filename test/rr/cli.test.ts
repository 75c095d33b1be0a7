/**
 * Our rr build's CLI against the real binary: `rr jobs` (list, pause, resume, destroy) on the running
 * jobs plugin, and the --help / --version wording of rr 2025.1.15's own CLI.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rrBinary } from '../helpers/rr.js'
import { startJobsRig, type JobsRig } from '../jobs/harness.js'

const run = promisify(execFile)
const rr = (args: string[]) => run(rrBinary(), args, { encoding: 'utf8' })

describe('rr jobs', () => {
  let rig: JobsRig
  const memory = (priority: number) => ({ driver: 'memory', config: { priority, prefetch: 10 } })
  beforeAll(async () => {
    rig = await startJobsRig({ pipelines: { alpha: memory(1), beta: memory(2) } })
  }, 90_000)
  afterAll(async () => rig?.stop())

  const cli = (...args: string[]) => rr(['jobs', '-c', rig.rr.configPath, ...args])
  const state = async (name: string) => (await rig.queue.stat()).find((s) => s.pipeline === name)

  it('--list prints the pipelines in a table', async () => {
    const { stdout } = await cli('--list')
    expect(stdout).toMatch(/│ PIPELINE \( S \) │/) // tablewriter upper-cases headers, as in rr
    expect(stdout).toMatch(/\balpha\b/)
    expect(stdout).toMatch(/\bbeta\b/)
  })

  it('--pause and --resume change the pipeline state in rr', async () => {
    expect((await state('alpha'))?.ready).toBe(true)
    const paused = await cli('--pause', 'alpha')
    expect(paused.stdout).toMatch(/\balpha\b/)
    expect((await state('alpha'))?.ready).toBe(false)
    expect((await state('beta'))?.ready).toBe(true)
    await cli('--resume', 'alpha')
    expect((await state('alpha'))?.ready).toBe(true)
  })

  it('--destroy removes the pipeline; --list no longer shows it', async () => {
    const { stdout } = await cli('--destroy', 'beta')
    expect(stdout).toMatch(/\bbeta\b/)
    expect(await rig.queue.list()).toEqual(['alpha'])
    const list = await cli('--list')
    expect(list.stdout).not.toMatch(/\bbeta\b/)
  })

  it('without an action or a pipeline it says what to type, as rr does', async () => {
    await expect(cli()).rejects.toMatchObject({ stderr: expect.stringContaining('command should be in form of: `rr jobs --<destroy/resume/pause> pipe1,pipe2`') })
    await expect(cli('--pause')).rejects.toMatchObject({ stderr: expect.stringContaining('incorrect command usage, should be: rr jobs --pause pipe1,pipe2') })
  })
})

describe('rr --help / --version', () => {
  it('uses rr 2025.1.15 wording', async () => {
    const { stdout } = await rr(['--help'])
    expect(stdout).toContain('High-performance PHP application server, process manager written in Golang and powered with ❤️ (by SpiralScout)')
    for (const line of ['jobs        Jobs pipelines manipulation', 'serve       Start RoadRunner server', 'workers     Show information about active RoadRunner workers']) {
      expect(stdout).toContain(line)
    }
    expect(stdout).toContain('-s, --silent                 do not print startup message')
    expect((await rr(['-v'])).stdout).toMatch(/^rr version 2025\.1\.15 \(build time: \S+, go1\.\d+\.\d+\), OS: linux, arch: (amd64|arm64)\n$/)
  })

  it('a temporal section is refused with the reason, not silently ignored', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs')
    const { join } = await import('node:path')
    const { tmpdir } = await import('node:os')
    const dir = mkdtempSync(join(tmpdir(), 'pionia-rr-temporal-'))
    writeFileSync(join(dir, '.rr.yaml'), 'version: "3"\ntemporal:\n  address: 127.0.0.1:7233\n')
    await expect(rr(['serve', '-c', join(dir, '.rr.yaml')])).rejects.toMatchObject({ stderr: expect.stringContaining('this rr has no temporal plugin') })
  })
})
