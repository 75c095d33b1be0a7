/**
 * Round trips of the shared-state clients against one real rr (memory KV storage): KV MGet of a
 * cached task list (20 tasks) plus its group generation, lock+release, and a counter increment,
 * from one RpcClient, sequential and with 8 calls in flight.
 *   node --import tsx bench/kv/calls.ts [seconds per row=2]
 */
import { RpcClient, kv, locks, metrics } from '../../src/rpc/index.js'
import { freePort, startRr } from '../../test/helpers/rr.js'

const seconds = Number(process.argv[2] ?? 2)
const rpcPort = await freePort()
const rr = await startRr({
  config: {
    rpc: { listen: `tcp://127.0.0.1:${rpcPort}` },
    logs: { level: 'error' },
    kv: { cache: { driver: 'memory', config: {} } },
    metrics: { address: `127.0.0.1:${await freePort()}` },
  },
  waitForPort: rpcPort,
})
const client = new RpcClient(`tcp://127.0.0.1:${rpcPort}`)
try {
  const store = kv(client, 'cache')
  const tasks = Array.from({ length: 20 }, (_, i) => ({ id: i, title: `Task ${i}`, status: 'open', assignee: 'alex@northwind.studio', project_id: null, created_at: '2026-11-27 04:00:00' }))
  await store.setMany({ 'tasks@generation': 'g1', 'tasks:list': { g: 'g1', v: { tasks, total: 33_336 } } })
  const l = locks(client)
  const counter = await metrics(client).counter('bench_calls_total', { labels: ['kind'] })
  const ops: [string, () => Promise<unknown>][] = [
    ['kv MGet (generation + 20-task list)', () => store.mget(['tasks@generation', 'tasks:list'])],
    // wait 1 s: with wait 0 rr allows 1 ms, which includes queueing for its global lock mutex, so
    // under concurrent calls even a free resource can be refused
    ['lock.Lock + lock.Release (own resource)', async () => {
      const r = `r${Math.random()}`
      const id = await l.lock(r, { wait: 1 })
      if (id === null) throw new Error(`lock ${r} refused`)
      await l.release(r, id)
    }],
    ['metrics.Add (counter with a label)', () => counter.inc({ kind: 'bench' })],
  ]
  process.stderr.write(`rr shared-state round trips, ${seconds} s per cell, node ${process.version}\n| call | sequential | 8 in flight |\n|---|---|---|\n`)
  for (const [name, op] of ops) {
    const rates: number[] = []
    for (const inFlight of [1, 8]) {
      let n = 0
      const t0 = performance.now()
      await Promise.all(Array.from({ length: inFlight }, async () => {
        while (performance.now() - t0 < seconds * 1000) {
          await op()
          n++
        }
      }))
      rates.push(n / ((performance.now() - t0) / 1000))
    }
    process.stderr.write(`| ${name} | ${rates[0]!.toFixed(0)}/s | ${rates[1]!.toFixed(0)}/s |\n`)
  }
} finally {
  await client.close()
  await rr.stop()
}
