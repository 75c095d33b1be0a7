/**
 * Worker recycling through the real rr: a leaking handler is replaced by the supervisor once it passes
 * `max_worker_memory` (every request still answered, the old process gone), and `max_jobs` recycling
 * of DeskFlow workers under create load loses no request and doubles none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { RpcClient, informer } from '../../src/rpc/index.js'
import { freePort, nodeCommand, startRr, type RrInstance } from '../helpers/rr.js'
import { startDeskflow, waitFor, type DeskflowStack } from './stack.js'
import { alive, runCreateLoad } from './load.js'

describe('supervisor.max_worker_memory recycles a leaking worker', () => {
  let rr: RrInstance
  let rpc: RpcClient
  let base: string

  beforeAll(async () => {
    const port = await freePort()
    const rpcPort = await freePort()
    base = `http://127.0.0.1:${port}`
    rr = await startRr({
      config: {
        rpc: { listen: `tcp://127.0.0.1:${rpcPort}` },
        server: { command: nodeCommand('test/fixtures/reliability/leak-worker.ts'), relay: 'pipes' },
        http: {
          address: `127.0.0.1:${port}`,
          pool: {
            num_workers: 1,
            allocate_timeout: '60s',
            destroy_timeout: '10s',
            supervisor: { watch_tick: '1s', max_worker_memory: 200 },
          },
        },
        logs: { level: 'info', mode: 'development' },
      },
      waitForUrl: `${base}/`,
    })
    rpc = new RpcClient(`tcp://127.0.0.1:${rpcPort}`)
  })
  afterAll(async () => {
    await rpc?.close()
    await rr?.stop()
  })

  it('replaces the worker past 200 MB; every request is answered', async () => {
    const first = (await (await fetch(`${base}/`)).json()) as { pid: number; rss: number }
    const statuses: number[] = []
    let grewTo = 0
    // 16 MB per request: past 200 MB after ~12 requests; the supervisor looks every second.
    const newPid = await waitFor(
      async () => {
        const res = await fetch(`${base}/leak`)
        statuses.push(res.status)
        const body = (await res.json()) as { pid: number; rss: number }
        if (body.pid === first.pid) grewTo = Math.max(grewTo, body.rss)
        await new Promise((r) => setTimeout(r, 100))
        return body.pid !== first.pid ? body.pid : undefined
      },
      'the leaking worker to be replaced',
      60_000,
    )
    expect(statuses.every((s) => s === 200)).toBe(true)
    expect(grewTo).toBeGreaterThan(200 * 1024 * 1024)
    await waitFor(() => !alive(first.pid), 'the old worker process to exit', 20_000)
    const ws = await informer(rpc).workers('http')
    expect(ws.map((w) => w.pid)).toEqual([newPid])
    expect(ws[0]!.memoryUsage).toBeLessThan(200 * 1024 * 1024)
    process.stderr.write(`[reliability] max_worker_memory: worker ${first.pid} grew to ${(grewTo / 2 ** 20).toFixed(0)} MB, replaced by ${newPid} after ${statuses.length} requests, all 200\n`)
  })
})

describe('max_jobs recycling under load', () => {
  let stack: DeskflowStack

  beforeAll(async () => {
    stack = await startDeskflow({
      workers: 2,
      edit: (c) => {
        c.http.pool.max_jobs = 150
      },
    })
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it('loses and doubles no request while workers are replaced every 150 requests', async () => {
    const auth = await stack.login()
    const prefix = `max-jobs-${Date.now()}`
    const seen = new Set<number>(await stack.pids())
    let polling = true
    const poll = (async () => {
      while (polling) {
        try {
          for (const p of await stack.pids()) seen.add(p)
        } catch {
          /* informer busy: next round */
        }
        await new Promise((r) => setTimeout(r, 200))
      }
    })()
    const AMOUNT = 1500
    const load = await runCreateLoad({ base: stack.base, authorization: auth.authorization!, amount: AMOUNT, connections: 6, timeoutSec: 30, prefix })
    polling = false
    await poll
    process.stderr.write(`[reliability] max_jobs=150: ${AMOUNT} creates, 2xx ${load.ok2xx}, other ${JSON.stringify(load.other)}, errors ${load.errors}, distinct worker pids seen ${seen.size}\n`)
    expect(load.answered).toBe(AMOUNT)
    expect(load.ok2xx).toBe(AMOUNT)
    expect(load.errors).toBe(0)
    expect(load.timeouts).toBe(0)
    // 1500 requests / 150 per worker: about 10 workers went through the pool
    expect(seen.size).toBeGreaterThanOrEqual(6)
    const db = new Database(join(stack.project.root, 'database.sqlite3'), { readonly: true })
    try {
      db.pragma('busy_timeout = 5000')
      const rows = (db.prepare('SELECT title FROM tasks WHERE title LIKE ?').all(`${prefix} %`) as { title: string }[]).map((r) => r.title)
      expect(rows.length).toBe(AMOUNT)
      expect(new Set(rows)).toEqual(new Set(load.confirmed))
    } finally {
      db.close()
    }
    await waitFor(async () => (await stack.workers()).length === 2, 'the pool at 2 workers')
  }, 120_000)
})
