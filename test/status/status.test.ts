/**
 * rr's status plugin: `/health?plugin=http` and `/ready` over HTTP, status() over RPC, and
 * `npx pionia status`, with workers up (200) and with every http worker dead (503).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT, freePort, nodeCommand, startRr, type RrInstance } from '../helpers/rr.js'
import { RpcClient, informer, status } from '../../src/rpc/index.js'
import { alive, waitFor } from '../helpers/process.js'

let rr: RrInstance
let rpc: RpcClient
let statusPort: number
let httpPort: number
let flag: string
let dir: string

const cli = (...args: string[]) =>
  execa(process.execPath, [join(ROOT, 'bin/pionia.js'), 'status', ...args], { cwd: dir, reject: false, env: { NO_COLOR: '1' } })

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pionia-status-'))
  flag = join(dir, 'dead')
  ;[httpPort, statusPort] = [await freePort(), await freePort()]
  const rpcPort = await freePort()
  rr = await startRr({
    cwd: dir,
    config: {
      rpc: { listen: `tcp://127.0.0.1:${rpcPort}` },
      server: { command: nodeCommand('test/fixtures/http/status-worker.ts').join(' '), relay: 'pipes', env: { DEAD_FLAG: flag } },
      http: { address: `127.0.0.1:${httpPort}`, pool: { num_workers: 2, allocate_timeout: '5s' } },
      status: { address: `127.0.0.1:${statusPort}` },
      logs: { mode: 'development', level: 'info' },
    },
    waitForUrl: `http://127.0.0.1:${httpPort}/`,
  })
  rpc = new RpcClient(`tcp://127.0.0.1:${rpcPort}`)
}, 90_000)

afterAll(async () => {
  await rpc?.close()
  await rr?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('status plugin', () => {
  it('is 200 for http with workers up, over HTTP, RPC and the CLI', async () => {
    const health = await fetch(`http://127.0.0.1:${statusPort}/health?plugin=http`)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual([{ plugin_name: 'http', error_message: '', status_code: 200 }])
    expect((await fetch(`http://127.0.0.1:${statusPort}/ready?plugin=http`)).status).toBe(200)
    expect(await status(rpc).health('http')).toEqual({ code: 200, message: '' })
    expect((await status(rpc).ready('http')).code).toBe(200)
    const out = await cli()
    expect(out.exitCode).toBe(0)
    expect(out.stdout).toMatch(/^plugin\s+health\s+ready\s+message$/m)
    expect(out.stdout).toMatch(/^http\s+200\s+200\s*$/m)
  })

  it('is 503 while every http worker is dead, and 200 again when they are back', async () => {
    writeFileSync(flag, '')
    const pids = (await informer(rpc).workers('http')).map((w) => w.pid)
    for (const pid of pids) process.kill(pid, 'SIGKILL')
    for (const pid of pids) await waitFor(() => !alive(pid), `worker ${pid} to die`)
    const res = await waitFor(async () => {
      const r = await fetch(`http://127.0.0.1:${statusPort}/health?plugin=http`)
      return r.status === 503 && r
    }, 'health 503 with no live http worker')
    expect(((await res.json()) as { status_code: number }[])[0]!.status_code).toBe(503)
    const out = await cli('--plugin=http')
    expect(out.exitCode).toBe(1)
    expect(out.stdout).toMatch(/^http\s+503\s+503/m)

    rmSync(flag)
    await waitFor(async () => (await fetch(`http://127.0.0.1:${statusPort}/health?plugin=http`)).status === 200, 'health 200 after the workers are back', 60_000)
    expect((await cli()).exitCode).toBe(0)
  }, 120_000)

  it('says what to do without a status section or with rr down', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'pionia-status-none-'))
    writeFileSync(join(empty, '.rr.yaml'), 'version: "3"\nhttp:\n  address: 127.0.0.1:1\n')
    const none = await execa(process.execPath, [join(ROOT, 'bin/pionia.js'), 'status'], { cwd: empty, reject: false, env: { NO_COLOR: '1' } })
    expect(none.exitCode).toBe(1)
    expect(none.stderr).toContain('No status section in .rr.yaml')
    const down = await execa(process.execPath, [join(ROOT, 'bin/pionia.js'), 'status', `--address=127.0.0.1:${await freePort()}`], { cwd: empty, reject: false })
    expect(down.exitCode).toBe(1)
    expect(down.stderr).toMatch(/does not answer .*Start it with npx pionia runserver/s)
    rmSync(empty, { recursive: true, force: true })
  })
})
