/**
 * The detached lifecycle against the real rr: runserver --detach → runserver:logs → stopserver, a
 * second instance refused, stale pid files, and processes pionia did not start left alone.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { freePort } from '../helpers/rr.js'
import { get, projectProcesses, rrConfig, startCli, useProjects, type Project } from './_project.js'

const makeOne = useProjects((p) => p.run(['stopserver', '--force']))
const project = (port: number): Project => makeOne({ rrYaml: rrConfig(port) })

/** A pid that certainly belongs to no process now. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''])
  await new Promise((r) => child.once('exit', r))
  return child.pid!
}

describe('detach → logs → stopserver', () => {
  it('runs rr in the background, logs to storage/logs/roadrunner.log, and stops only it', async () => {
    const port = await freePort()
    const p = project(port)
    const start = await p.run(['runserver', '--detach'])
    expect(start.exitCode, start.stderr).toBe(0)
    const runtime = JSON.parse(readFileSync(join(p.dir, '.rr.runtime.json'), 'utf8')) as Record<string, unknown>
    expect(runtime).toMatchObject({ http_address: `127.0.0.1:${port}`, host: '127.0.0.1', port, config: join(p.dir, '.rr.yaml') })
    expect(Number(readFileSync(join(p.dir, '.pid'), 'utf8'))).toBe(runtime.pid)
    expect(start.stdout).toContain('RoadRunner started in background for cli-test-app')
    expect(start.stdout).toContain(`PID:      ${runtime.pid}`)
    expect(start.stdout).toContain(`Log:      ${join(p.dir, 'storage/logs/roadrunner.log')}`)
    expect(start.stdout).toContain('Stop with: npx pionia stopserver')

    // A second instance is refused while the first runs.
    const second = await p.run(['runserver', '--detach'])
    expect(second.exitCode).toBe(1)
    expect(second.stderr).toContain(`RoadRunner already appears to be running (${join(p.dir, '.pid')} exists`)

    expect((await get(port, '/kilo')).status).toBe(200)
    const workerPid = Number(await (await get(port, '/pid')).text())

    // --no-follow prints the tail formatted; --raw untouched.
    const waitLog = async (re: RegExp): Promise<string> => {
      let last = ''
      for (let i = 0; i < 40; i++) {
        const r = await p.run(['runserver:logs', '--no-follow', '--lines=50'])
        last = r.stdout + r.stderr
        if (re.test(r.stdout)) return r.stdout
        await new Promise((res) => setTimeout(res, 200))
      }
      throw new Error(`log never matched ${re}; last output:\n${last}\nfile:\n${readFileSync(join(p.dir, 'storage/logs/roadrunner.log'), 'utf8')}`)
    }
    const logs = await waitLog(/GET {5}\/pid/)
    expect(logs).toMatch(new RegExp(`^Last \\d+ lines of ${join(p.dir, 'storage/logs/roadrunner.log')}\n`))
    expect(logs).not.toContain('Following')
    expect(logs).toMatch(/^\d\d:\d\d:\d\d {2}GET {5}\/kilo {2}200 {2}1\.2 KB {4}\d+ms$/m)
    const two = await p.run(['runserver:logs', '--no-follow', '--lines=2', '--raw'])
    expect(two.stdout.trim().split('\n')).toHaveLength(3) // header + 2 lines
    expect(two.stdout.split('\n')[0]).toBe(`Last 2 lines of ${join(p.dir, 'storage/logs/roadrunner.log')}`)
    expect(two.stdout).toContain('"URI": "/pid"')

    // Following shows new requests as they happen.
    const follow = startCli(p, ['runserver:logs', '--lines=0'])
    await follow.waitFor(/\(Ctrl\+C to stop\)/)
    await get(port, '/api/v1/ping')
    await follow.waitFor(/GET {5}\/api\/v1\/ping {2}200/)
    follow.proc.kill('SIGINT')
    expect((await follow.proc).exitCode).toBe(0)

    const stop = await p.run(['stopserver'])
    expect(stop.exitCode, stop.stderr).toBe(0)
    expect(stop.stdout).toContain('RoadRunner stopped.')
    expect(existsSync(join(p.dir, '.pid'))).toBe(false)
    expect(existsSync(join(p.dir, '.rr.runtime.json'))).toBe(false)
    expect(() => process.kill(runtime.pid as number, 0)).toThrow()
    expect(() => process.kill(workerPid, 0)).toThrow()
    expect(projectProcesses(p.dir)).toEqual([])

    const again = await p.run(['stopserver'])
    expect(again.exitCode).toBe(0)
    expect(again.stdout).toContain('No running RoadRunner instance found.')
  })
})

describe('the detached log', () => {
  it('is rotated before a start once it reached PIONIA_LOG_MAX_BYTES, keeping three generations', async () => {
    const port = await freePort()
    const p = project(port)
    const log = join(p.dir, 'storage/logs/roadrunner.log')
    mkdirSync(join(p.dir, 'storage/logs'), { recursive: true })
    writeFileSync(`${log}.1`, 'generation one\n')
    writeFileSync(`${log}.2`, 'generation two\n')
    writeFileSync(`${log}.3`, 'generation three\n')
    writeFileSync(log, 'old run\n'.repeat(200))
    const start = await p.run(['runserver', '--detach'], { env: { PIONIA_LOG_MAX_BYTES: '1000' } })
    expect(start.exitCode, start.stderr).toBe(0)
    expect(readFileSync(`${log}.1`, 'utf8')).toBe('old run\n'.repeat(200))
    expect(readFileSync(`${log}.2`, 'utf8')).toBe('generation one\n')
    expect(readFileSync(`${log}.3`, 'utf8')).toBe('generation two\n')
    expect(readFileSync(log, 'utf8')).not.toContain('old run')
    expect((await p.run(['stopserver'])).exitCode).toBe(0)
    // under the cap: appended to, not rotated
    const again = await p.run(['runserver', '--detach'], { env: { PIONIA_LOG_MAX_BYTES: String(10 * 1024 * 1024) } })
    expect(again.exitCode, again.stderr).toBe(0)
    expect(readFileSync(`${log}.1`, 'utf8')).toBe('old run\n'.repeat(200))
    expect((await p.run(['stopserver'])).exitCode).toBe(0)
  })
})

describe('a detached start that fails', () => {
  it('a busy rpc listener: named with its key, and nothing recorded', async () => {
    const [port, rpc] = [await freePort(), await freePort()]
    const blocker = createServer((s) => s.on('error', () => {}).end())
    await new Promise<void>((r) => blocker.listen(rpc, '127.0.0.1', r))
    try {
      const p = makeOne({ rrYaml: rrConfig(port, { rpc: { listen: `tcp://127.0.0.1:${rpc}` } }) })
      const r = await p.run(['runserver', '--detach'])
      expect(r.exitCode).toBe(1)
      // The busy rpc port is found before rr starts (rr's own exit at start: start-failures.test.ts).
      expect(r.stderr).toContain(`rpc.listen (127.0.0.1:${rpc}) is already in use`)
      expect(r.stderr).toContain('change rpc.listen in .rr.yaml')
      expect(existsSync(join(p.dir, '.pid'))).toBe(false)
      expect(existsSync(join(p.dir, '.rr.runtime.json'))).toBe(false)
      expect(projectProcesses(p.dir)).toEqual([])
    } finally {
      blocker.close()
    }
  })
})

describe('stale and foreign processes', () => {
  it('runserver --detach removes a stale pid file and starts', async () => {
    const port = await freePort()
    const p = project(port)
    const stale = await deadPid()
    writeFileSync(join(p.dir, '.pid'), String(stale))
    const start = await p.run(['runserver', '--detach'])
    expect(start.exitCode, start.stderr).toBe(0)
    expect(start.stdout).toContain(`Removed stale pid file ${join(p.dir, '.pid')} (pid ${stale} is not a running RoadRunner).`)
    expect((await get(port, '/api/v1/ping')).status).toBe(200)
    expect((await p.run(['stopserver'])).stdout).toContain('RoadRunner stopped.')

    // A recorded pid that now belongs to another program is stale too, and that program lives on.
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' })
    try {
      writeFileSync(join(p.dir, '.pid'), String(sleeper.pid))
      const again = await p.run(['runserver', '--detach'])
      expect(again.exitCode, again.stderr).toBe(0)
      expect(again.stdout).toContain(`(pid ${sleeper.pid} is not a running RoadRunner)`)
      expect((await p.run(['stopserver'])).stdout).toContain('RoadRunner stopped.')
      expect(sleeper.exitCode).toBeNull()
    } finally {
      sleeper.kill()
    }
  })

  it('stopserver with a stale pid file cleans it up and exits 0', async () => {
    const p = project(await freePort())
    writeFileSync(join(p.dir, '.pid'), String(await deadPid()))
    const r = await p.run(['stopserver'])
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toContain('No running RoadRunner instance found.')
    expect(existsSync(join(p.dir, '.pid'))).toBe(false)
  })

  it('never kills a foreign process: not a listener on the port, not a pid someone wrote into .pid', async () => {
    const port = await freePort()
    const p = project(port)
    const server = createServer((s) => s.on('error', () => {}).end('foreign\n'))
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' })
    try {
      const r = await p.run(['stopserver'])
      expect(r.exitCode).toBe(0)
      expect(r.stdout).toContain('No running RoadRunner instance found.')
      expect(r.stdout).toContain(`Port ${port} is in use by a process pionia did not start; it was left running.`)
      expect(server.listening).toBe(true)

      writeFileSync(join(p.dir, '.pid'), String(sleeper.pid))
      const forced = await p.run(['stopserver', '--force'])
      expect(forced.exitCode).toBe(0)
      expect(forced.stdout).toContain('No running RoadRunner instance found.')
      expect(sleeper.exitCode).toBeNull()
      expect(() => process.kill(sleeper.pid!, 0)).not.toThrow()
    } finally {
      sleeper.kill()
      server.close()
    }
  })
})
