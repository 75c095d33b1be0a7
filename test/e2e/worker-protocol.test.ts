/**
 * The foundation against the real rr: rr spawns SDK workers over pipes, tcp and unix; our RPC
 * client reads their pids from rr's informer; resetter replaces them; errors, stdout writes,
 * streams and restart requests keep the pool healthy; stopping rr leaves no worker behind.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RpcClient, informer, resetter, rrVersion } from '../../src/rpc/index.js'
import { freePort, nodeCommand, rrBinary, startRr, type RrInstance } from '../helpers/rr.js'
import { alive, waitFor } from '../helpers/process.js'

const WORKER = 'test/fixtures/workers/protocol-worker.ts'

function cmdline(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')
}

describe.each(['pipes', 'tcp', 'unix'] as const)('rr 2025.1.15 runs SDK workers over the %s relay', (relayKind) => {
  let rr: RrInstance
  let rpc: RpcClient
  let base: string
  let restartFile: string

  beforeAll(async () => {
    const httpPort = await freePort()
    const rpcPort = await freePort()
    const cwd = mkdtempSync(join(tmpdir(), `pionia-proto-${relayKind}-`))
    restartFile = join(cwd, 'restarted')
    const relay =
      relayKind === 'pipes' ? 'pipes' : relayKind === 'tcp' ? `tcp://127.0.0.1:${await freePort()}` : `unix://${join(cwd, 'rr.sock')}`
    base = `http://127.0.0.1:${httpPort}`
    rr = await startRr({
      cwd,
      config: {
        rpc: { listen: `tcp://127.0.0.1:${rpcPort}` },
        server: { command: nodeCommand(WORKER), relay, env: { RESTART_ONCE_FILE: restartFile } },
        http: { address: `127.0.0.1:${httpPort}`, pool: { num_workers: 2, allocate_timeout: '60s', destroy_timeout: '10s' } },
        logs: { level: 'info', mode: 'development' },
      },
      waitForUrl: `${base}/pid`,
    })
    rpc = new RpcClient(`tcp://127.0.0.1:${rpcPort}`)
  })

  afterAll(async () => {
    await rpc?.close()
    await rr?.stop()
  })

  it('reports the real pids of the node processes through informer.Workers', async () => {
    // rr computes these (the stamped version string is checked against the build in the test below)
    expect(await rrVersion(rpc)).toMatch(/^\d{4}\.\d+\.\d+$/)
    expect(await informer(rpc).list()).toContain('http')
    const workers = await informer(rpc).workers('http')
    expect(workers).toHaveLength(2)
    for (const w of workers) {
      expect(alive(w.pid)).toBe(true)
      expect(cmdline(w.pid)).toContain('protocol-worker.ts')
      expect(w.statusStr).toBe('ready')
    }
    const served = Number(await (await fetch(`${base}/pid`)).text())
    expect(workers.map((w) => w.pid)).toContain(served)
    // rr's own CLI reads the same table over the same RPC endpoint
    const table = execFileSync(rrBinary(), ['workers', '-c', rr.configPath], { encoding: 'utf8' })
    for (const w of workers) expect(table).toMatch(new RegExp(`^${w.pid}\\s+ready`, 'm'))
  })

  it('turns a throwing handler into a 500 and keeps every worker pid', async () => {
    const before = (await informer(rpc).workers('http')).map((w) => w.pid).sort()
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${base}/throw`)
      expect(res.status).toBe(500)
    }
    const after = (await informer(rpc).workers('http')).map((w) => w.pid).sort()
    expect(after).toEqual(before)
    const ok = await fetch(`${base}/pid`)
    expect(ok.status).toBe(200)
    expect(before).toContain(Number(await ok.text()))
    await rr.waitForOutput(/handler failed: Error: boom from the handler/)
  })

  it('keeps working when user code writes to stdout', async () => {
    const before = (await informer(rpc).workers('http')).map((w) => w.pid).sort()
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${base}/console`)
      expect(res.status).toBe(200)
      expect(await res.text()).toMatch(/^survived \d+$/)
    }
    expect((await informer(rpc).workers('http')).map((w) => w.pid).sort()).toEqual(before)
    if (relayKind === 'pipes') await rr.waitForOutput(/console\.log from a pipes worker/)
  })

  it('echoes request bodies and streams a response in STREAM frames', async () => {
    const body = 'x'.repeat(200_000)
    const echo = await fetch(`${base}/echo`, { method: 'PUT', body, headers: { 'content-type': 'application/octet-stream' } })
    expect(echo.headers.get('x-method')).toBe('PUT')
    expect(await echo.text()).toBe(body)
    const stream = await fetch(`${base}/stream?n=5`)
    expect(await stream.text()).toBe('chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\n')
  })

  it('replays a request on another worker when a worker asks rr to restart it', async () => {
    const res = await fetch(`${base}/restart`)
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(existsSync(restartFile)).toBe(true)
    const restartedPid = Number(readFileSync(restartFile, 'utf8'))
    expect(text).toMatch(/^replayed on \d+$/)
    expect(Number(text.split(' ').pop())).not.toBe(restartedPid)
    await waitFor(() => !alive(restartedPid) || undefined, `pid ${restartedPid} to exit`)
    await waitFor(async () => ((await informer(rpc).workers('http')).length === 2 ? true : undefined), 'the pool to refill')
  })

  it('replaces every worker on resetter.Reset and stops the old processes', async () => {
    const before = (await informer(rpc).workers('http')).map((w) => w.pid)
    expect(await resetter(rpc).list()).toContain('http')
    expect(await resetter(rpc).reset('http')).toBe(true)
    const after = await waitFor(async () => {
      const pids = (await informer(rpc).workers('http')).map((w) => w.pid)
      return pids.length === 2 && pids.every((p) => !before.includes(p)) ? pids : undefined
    }, 'new workers after reset')
    for (const pid of before) await waitFor(() => !alive(pid) || undefined, `old worker ${pid} to exit`)
    for (const pid of after) expect(cmdline(pid)).toContain('protocol-worker.ts')
    expect((await fetch(`${base}/pid`)).status).toBe(200)
  })

  it('leaves no node process behind when rr stops', async () => {
    const pids = (await informer(rpc).workers('http')).map((w) => w.pid)
    await rpc.close()
    expect(await rr.stop('SIGTERM')).toBe(0)
    for (const pid of pids) await waitFor(() => !alive(pid) || undefined, `worker ${pid} to exit`)
  })
})

describe('the rr binary the tests run', () => {
  it('is linked from the plugin modules rr 2025.1.15 pins (go version -m reads them from the binary)', () => {
    const goBin = existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go'
    const deps = new Map(
      execFileSync(goBin, ['version', '-m', rrBinary()], { encoding: 'utf8' })
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => f[0] === 'dep' || f[0] === '=>')
        .map((f) => [f[1]!, f[2]!] as const),
    )
    expect(deps.get('github.com/roadrunner-server/http/v5')).toBe('v5.3.0')
    expect(deps.get('github.com/roadrunner-server/server/v5')).toBe('v5.2.10')
    expect(deps.get('github.com/roadrunner-server/goridge/v3')).toBe('v3.8.3')
    expect(deps.get('github.com/roadrunner-server/jobs/v5')).toBe('v5.1.9')
    expect(deps.get('github.com/roadrunner-server/pool')).toBe('v1.1.3')
  })
})
