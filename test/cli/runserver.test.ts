/**
 * runserver against the real rr: the address resolution order (each level wins over the ones below
 * it, -o only when needed), foreground formatted output, --raw, rr's exit code, Ctrl+C, and the
 * preconditions' messages.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { freePort } from '../helpers/rr.js'
import { get, projectProcesses, rrConfig, startCli, useProjects, type Project } from './_project.js'

const project = useProjects()

function rrCmdline(p: Project): string[] {
  const { pid } = JSON.parse(readFileSync(join(p.dir, '.rr.runtime.json'), 'utf8')) as { pid: number }
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
}

describe('runserver address resolution (real rr, detached)', () => {
  it('each level wins over the ones below it; -o http.address only when the result differs from .rr.yaml', async () => {
    const [cli, env, dotenv, roadrunner, server, yaml] = await Promise.all(Array.from({ length: 6 }, () => freePort()))
    const p = project({ rrYaml: rrConfig(yaml!) })
    const levels: { name: string; port: number; args: string[]; env?: Record<string, string>; setup?: () => void }[] = [
      { name: 'yaml', port: yaml!, args: [] },
      { name: '[server]', port: server!, args: [], setup: () => writeFileSync(join(p.dir, 'environment/settings.ini'), `[server]\nPORT = ${server}\n`) },
      {
        name: '[roadrunner]',
        port: roadrunner!,
        args: [],
        setup: () => writeFileSync(join(p.dir, 'environment/settings.ini'), `[roadrunner]\nPORT = ${roadrunner}\n\n[server]\nPORT = ${server}\n`),
      },
      { name: '.env', port: dotenv!, args: [], setup: () => writeFileSync(join(p.dir, 'environment/.env'), `PORT=${dotenv}\n`) },
      { name: 'env', port: env!, args: [], env: { SERVER_PORT: String(env) } },
      { name: '--port', port: cli!, args: ['--port', String(cli)], env: { SERVER_PORT: String(env) } },
    ]
    const { mkdirSync } = await import('node:fs')
    mkdirSync(join(p.dir, 'environment'))
    for (const level of levels) {
      level.setup?.()
      const started = await p.run(['runserver', '--detach', ...level.args], { env: { NO_COLOR: '1', PORT: '', HOST: '', SERVER_HOST: '', SERVER_PORT: '', ...level.env } })
      expect(started.exitCode, `${level.name}: ${started.stdout + started.stderr}`).toBe(0)
      expect(started.stdout).toContain(`HTTP:     http://127.0.0.1:${level.port}`)
      const args = rrCmdline(p)
      if (level.name === 'yaml') expect(args).not.toContain('-o')
      else expect(args.slice(args.indexOf('-o'))).toEqual(['-o', `http.address=127.0.0.1:${level.port}`])
      expect(await (await get(level.port, '/api/v1/ping')).json()).toMatchObject({ returnCode: 0 })
      const stopped = await p.run(['stopserver'])
      expect(stopped.stdout).toContain('RoadRunner stopped.')
    }
    // Six starts, each importing the worker once first (the entry check) and stopping rr.
  }, 120_000)
})

describe('runserver for a config without http', () => {
  it('passes no http.address and checks no port (a jobs-only app)', async () => {
    const rpc = await freePort()
    const { http: _http, ...base } = rrConfig(0)
    const jobs = { consume: ['q'], pool: { num_workers: 1 }, pipelines: { q: { driver: 'memory', config: {} } } }
    const p = project({ rrYaml: { ...base, rpc: { listen: `tcp://127.0.0.1:${rpc}` }, jobs, endure: { grace_period: '2s' } } })
    const start = await p.run(['runserver', '--detach'])
    expect(start.exitCode, start.stderr).toBe(0)
    expect(start.stdout).toContain('HTTP:     (no http section in the config)')
    expect(rrCmdline(p)).not.toContain('-o')
    expect((await p.run(['stopserver'])).stdout).toContain('RoadRunner stopped.')
  })
})

describe('runserver in the foreground (real rr)', () => {
  it('prints the banner and formatted access lines; Ctrl+C stops rr gracefully, exit 0, no worker left', async () => {
    const port = await freePort()
    const p = project({ rrYaml: rrConfig(port) })
    const run = startCli(p, ['runserver'])
    await run.waitFor(/Press Ctrl\+C to stop/)
    expect(run.output()).toContain(`HTTP:   http://127.0.0.1:${port}`)
    expect(run.output()).toContain('Starting RoadRunner for cli-test-app')
    expect((await get(port, '/kilo')).status).toBe(200)
    expect((await get(port, '/fail')).status).toBe(500)
    await run.waitFor(/GET     \/fail/)
    const pid = Number(await (await get(port, '/pid')).text())
    expect(projectProcesses(p.dir).length).toBeGreaterThan(1) // rr and its worker
    run.proc.kill('SIGINT')
    const result = await run.proc
    expect(result.exitCode).toBe(0)
    const out = run.output()
    expect(out).toMatch(/^\d\d:\d\d:\d\d {2}GET {5}\/kilo {2}200 {2}1\.2 KB {4}\d+ms$/m)
    expect(out).toMatch(/^\d\d:\d\d:\d\d {2}GET {5}\/fail {2}500 {2}4 B {7}\d+ms$/m)
    expect(out).not.toContain('"status":200') // formatted, not raw JSON
    expect(out).not.toContain('\x1b[') // not a TTY
    expect(() => process.kill(pid, 0)).toThrow()
    expect(projectProcesses(p.dir)).toEqual([])
    expect(readFileSync(join(p.dir, '.rr.yaml'), 'utf8')).not.toContain('-o') // config untouched
  })

  it('a second Ctrl+C during a slow graceful stop forces rr out (exit 1), and the workers still go away', async () => {
    const [port, rpc] = [await freePort(), await freePort()]
    // rr's jobs plugin keeps idle pollers until endure.grace_period ends: the first stop is slow.
    const jobs = { consume: ['q'], pool: { num_workers: 1 }, pipelines: { q: { driver: 'memory', config: { priority: 10 } } } }
    const p = project({ rrYaml: rrConfig(port, { rpc: { listen: `tcp://127.0.0.1:${rpc}` }, jobs, endure: { grace_period: '60s' } }) })
    const run = startCli(p, ['runserver'])
    await run.waitFor(/Press Ctrl\+C to stop/)
    expect((await get(port, '/api/v1/ping')).status).toBe(200)
    expect(projectProcesses(p.dir).length).toBeGreaterThan(1)
    run.proc.kill('SIGINT')
    await run.waitFor(/stop signal received, grace timeout is: 60 seconds/)
    run.proc.kill('SIGINT')
    const result = await run.proc
    expect(result.exitCode).toBe(1) // rr's exit code for a forced stop
    expect(run.output()).toContain('exit forced')
    for (let i = 0; i < 100 && projectProcesses(p.dir).length > 0; i++) await new Promise((r) => setTimeout(r, 100))
    expect(projectProcesses(p.dir)).toEqual([])
  })

  it('a Ctrl+C while rr is still starting waits for the start, then stops rr gracefully (exit 0, not a bare SIGTERM death)', async () => {
    const port = await freePort()
    const p = project({ rrYaml: rrConfig(port) })
    // A worker that takes 3 s to boot keeps rr inside its start (before rr installs its signal handlers).
    const worker = readFileSync(join(p.dir, 'worker.ts'), 'utf8')
    writeFileSync(join(p.dir, 'worker.ts'), `await new Promise((r) => setTimeout(r, 3000))\n${worker}`)
    const run = startCli(p, ['runserver'])
    await run.waitFor(/Press Ctrl\+C to stop/)
    run.proc.kill('SIGINT')
    await run.waitFor(/still starting/)
    const result = await run.proc
    expect(result.exitCode, run.output()).toBe(0)
    expect(run.output()).toContain('RoadRunner server started')
    expect(run.output()).toMatch(/stop signal received/)
    expect(projectProcesses(p.dir)).toEqual([])
  })

  it('colours the status when colours are on (FORCE_COLOR stands in for a TTY); NO_COLOR wins', async () => {
    const port = await freePort()
    const p = project({ rrYaml: rrConfig(port) })
    const run = startCli(p, ['runserver'], { env: { FORCE_COLOR: '1', NO_COLOR: '', PORT: '', SERVER_PORT: '', HOST: '', SERVER_HOST: '' } })
    await run.waitFor(/Press Ctrl\+C to stop/)
    await get(port, '/fail')
    await run.waitFor(/\/fail/)
    run.proc.kill('SIGINT')
    expect((await run.proc).exitCode).toBe(0)
    expect(run.output()).toMatch(/GET {5}\/fail {2}\x1b\[31m500\x1b\[0m {2}4 B/)
  })

  it('--raw prints rr lines untouched', async () => {
    const port = await freePort()
    const p = project({ rrYaml: rrConfig(port) })
    const run = startCli(p, ['runserver', '--raw'])
    await run.waitFor(/Press Ctrl\+C to stop/)
    await get(port, '/kilo')
    await run.waitFor(/"URI": ?"\/kilo"/)
    run.proc.kill('SIGINT')
    expect((await run.proc).exitCode).toBe(0)
    expect(run.output()).toMatch(/INFO\s+http\s+http log\s+\{"status": 200, "method": "GET", "URI": "\/kilo"/)
  })

  it("exits with rr's exit code when rr fails (a worker that cannot boot)", async () => {
    const port = await freePort()
    const p = project({ rrYaml: rrConfig(port, {}) })
    writeFileSync(join(p.dir, 'worker.ts'), 'throw new Error("boot failure in worker.ts")\n')
    const result = await p.run(['runserver'])
    expect(result.exitCode).toBe(1)
    expect(result.stdout + result.stderr).toContain('boot failure in worker.ts')
    expect(projectProcesses(p.dir)).toEqual([])
  })
})

describe('runserver preconditions', () => {
  it('no rr: says how to install it', async () => {
    const p = project({ rrYaml: rrConfig(await freePort()), withRr: false })
    const r = await p.run(['runserver'])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toContain('RoadRunner binary (rr) not found.')
    expect(r.stderr).toContain('npx pionia rr:setup')
  })
  it('an rr that is not RoadRunner is refused', async () => {
    const p = project({ rrYaml: rrConfig(await freePort()), withRr: false })
    writeFileSync(join(p.dir, 'rr'), '#!/bin/sh\necho "round robin 0.1"\n', { mode: 0o755 })
    const r = await p.run(['runserver'])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toContain('is not a working RoadRunner binary')
  })
  it('no config', async () => {
    const p = project({ rrYaml: false })
    const r = await p.run(['runserver'])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toContain(`RoadRunner config not found: ${join(p.dir, '.rr.yaml')}`)
  })
  it('no worker entry', async () => {
    const p = project({ rrYaml: rrConfig(await freePort()), withWorker: false })
    const r = await p.run(['runserver'])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toContain(`Worker entry not found: ${join(p.dir, 'worker.ts')}`)
  })
  it('port already in use: refused, and the listener is left alone', async () => {
    const port = await freePort()
    const server = createServer((s) => s.on('error', () => {}).end('foreign\n'))
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
    try {
      const p = project({ rrYaml: rrConfig(port) })
      const r = await p.run(['runserver'])
      expect(r.exitCode).toBe(1)
      expect(r.stderr).toContain(`Port ${port} is already in use.`)
      expect(r.stderr).toContain('npx pionia stopserver')
      expect(server.listening).toBe(true)
    } finally {
      server.close()
    }
  })
  it('a bad port value names its source', async () => {
    const p = project({ rrYaml: rrConfig(await freePort()), dotenv: 'PORT=http\n' })
    const r = await p.run(['runserver'])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toContain('Invalid port "http" from PORT')
  })
})

