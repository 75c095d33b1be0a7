/**
 * rr's service plugin through pionia/rpc `services()`: a Node side process declared in .rr.yaml,
 * one created over RPC, statuses with real pids, terminate, restart, and a crashing process that rr
 * starts again.
 */
import { mkdtempSync, readFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, nodeCommand, startRr, type RrInstance } from '../helpers/rr.js'
import { RpcClient, RpcServiceError, services, type ServicesClient } from '../../src/rpc/index.js'
import { alive, waitFor } from '../helpers/process.js'

let rr: RrInstance
let rpc: RpcClient
let svc: ServicesClient
let dir: string

const lines = (name: string): string[] => {
  const f = join(dir, `${name}.log`)
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : []
}
const started = (name: string): number[] => lines(name).filter((l) => l.startsWith('start ')).map((l) => Number(l.slice(6)))
const command = nodeCommand('test/fixtures/services/side-process.ts').join(' ')

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pionia-svc-'))
  const rpcPort = await freePort()
  rr = await startRr({
    config: {
      rpc: { listen: `tcp://127.0.0.1:${rpcPort}` },
      service: {
        feeder: { command, process_num: 1, remain_after_exit: true, restart_sec: 1, env: { SIDE_FILE: join(dir, 'feeder.log') } },
      },
      logs: { mode: 'development', level: 'info' },
    },
    waitForPort: rpcPort,
  })
  rpc = new RpcClient(`tcp://127.0.0.1:${rpcPort}`)
  svc = services(rpc)
}, 90_000)

afterAll(async () => {
  await rpc?.close()
  await rr?.stop()
})

describe('services plugin', () => {
  it('runs the .rr.yaml service and reports its real pid', async () => {
    await waitFor(() => started('feeder').length > 0, 'the feeder to start', 60_000)
    expect(await svc.list()).toContain('feeder')
    const [proc] = await waitFor(async () => {
      const s = await svc.statuses('feeder')
      return s.length === 1 && s[0]!.pid === started('feeder')[0] && s
    }, 'statuses to show the feeder pid')
    expect(alive(proc!.pid)).toBe(true)
    expect(proc!.command).toContain('side-process.ts')
    expect(proc!.memoryUsage).toBeGreaterThan(1_000_000)
  })

  it('creates a service over RPC, restarts it, and terminates it', async () => {
    expect(await svc.create('worker-b', { command, processNum: 2, restartSec: 1, env: { SIDE_FILE: join(dir, 'worker-b.log') } })).toBe(true)
    await waitFor(() => started('worker-b').length === 2, 'two processes of worker-b')
    expect((await svc.list()).sort()).toEqual(['feeder', 'worker-b'])
    const first = await svc.statuses('worker-b')
    expect(first.map((p) => p.pid).sort()).toEqual(started('worker-b').sort())

    expect(await svc.restart('worker-b')).toBe(true)
    await waitFor(() => started('worker-b').length === 4, 'two new processes after restart')
    for (const p of first) await waitFor(() => !alive(p.pid), `old process ${p.pid} to exit`)
    const second = await svc.statuses('worker-b')
    expect(second.map((p) => p.pid).sort()).toEqual(started('worker-b').slice(2).sort())

    expect(await svc.terminate('worker-b')).toBe(true)
    for (const p of second) await waitFor(() => !alive(p.pid), `process ${p.pid} to exit on terminate`)
    expect(lines('worker-b').filter((l) => l.startsWith('stop '))).toHaveLength(4)
    expect(await svc.list()).toEqual(['feeder'])
  })

  it('starts a crashing process again after restart_sec (remain_after_exit: true)', async () => {
    expect(await svc.create('crasher', { command, remainAfterExit: true, restartSec: 1, env: { SIDE_FILE: join(dir, 'crasher.log'), CRASH: '1' } })).toBe(true)
    await waitFor(() => started('crasher').length >= 3, 'rr to start the crashing process three times', 30_000)
    const pids = started('crasher')
    expect(new Set(pids).size).toBe(pids.length)
    expect(await svc.terminate('crasher')).toBe(true)
  })

  it("passes rr's refusals on with rr's words", async () => {
    await expect(svc.create('feeder', { command })).rejects.toThrow(RpcServiceError)
    await expect(svc.create('feeder', { command })).rejects.toThrow(/already exists/)
    await expect(svc.terminate('nope')).rejects.toThrow(/doesn't exist/)
    await expect(svc.create('empty', { command, processNum: 0 })).rejects.toThrow(/at least 1 process/)
  })
})
