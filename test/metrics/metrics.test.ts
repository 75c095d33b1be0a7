// Application metrics through rr's metrics plugin, read back from its Prometheus endpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RpcClient, metrics, type Metrics } from '../../src/rpc/index.js'
import { freePort, startRr, type RrInstance } from '../helpers/rr.js'
import { scrape } from './scrape.js'

describe('Metrics over rr', () => {
  let rr: RrInstance
  let client: RpcClient
  let m: Metrics
  let url: string

  beforeAll(async () => {
    const rpc = await freePort()
    const port = await freePort()
    url = `http://127.0.0.1:${port}/metrics`
    rr = await startRr({
      config: {
        rpc: { listen: `tcp://127.0.0.1:${rpc}` },
        logs: { level: 'error' },
        metrics: {
          address: `127.0.0.1:${port}`,
          collect: { app_jobs_total: { type: 'counter', help: 'Jobs from config', labels: ['queue'] } },
        },
      },
      waitForPort: port,
    })
    client = new RpcClient(`tcp://127.0.0.1:${rpc}`, { timeoutMs: 10_000 })
    m = metrics(client)
  })
  afterAll(async () => {
    await client?.close()
    await rr?.stop()
  })

  it('a labelled counter counts per label set', async () => {
    const c = await m.counter('app_requests_total', { help: 'Moonlight requests', labels: ['service', 'action'] })
    await c.inc({ service: 'task', action: 'list' })
    await c.inc({ action: 'list', service: 'task' })
    await c.add(5, ['member', 'login'])
    const s = await scrape(url)
    expect(s.sample('app_requests_total', { service: 'task', action: 'list' })).toBe(2)
    expect(s.sample('app_requests_total', { service: 'member', action: 'login' })).toBe(5)
    expect(s.text).toContain('# HELP app_requests_total Moonlight requests')
    expect(s.text).toContain('# TYPE app_requests_total counter')
  })

  it('a gauge goes up, down and to a value; namespace and subsystem prefix the exposed name', async () => {
    const g = await m.gauge('queue_depth', { namespace: 'deskflow', subsystem: 'jobs' })
    expect(g.exposedName).toBe('deskflow_jobs_queue_depth')
    await g.set(10)
    await g.sub(3)
    await g.add(-2)
    await g.inc()
    expect((await scrape(url)).sample('deskflow_jobs_queue_depth')).toBe(6)
  })

  it('a histogram and a summary record observations', async () => {
    const h = await m.histogram('latency_seconds', { buckets: [0.1, 0.5, 1], labels: ['route'] })
    for (const v of [0.05, 0.3, 0.7, 3]) await h.observe(v, { route: '/api' })
    const s1 = await m.summary('payload_bytes')
    await s1.observe(100)
    await s1.observe(300)
    const s = await scrape(url)
    expect(s.sample('latency_seconds_bucket', { route: '/api', le: '0.1' })).toBe(1)
    expect(s.sample('latency_seconds_bucket', { route: '/api', le: '0.5' })).toBe(2)
    expect(s.sample('latency_seconds_bucket', { route: '/api', le: '1' })).toBe(3)
    expect(s.sample('latency_seconds_bucket', { route: '/api', le: '+Inf' })).toBe(4)
    expect(s.sample('latency_seconds_count', { route: '/api' })).toBe(4)
    expect(s.sample('latency_seconds_sum', { route: '/api' })).toBeCloseTo(4.05)
    expect(s.sample('payload_bytes_sum')).toBe(400)
    expect(s.sample('payload_bytes_count')).toBe(2)
  })

  it('updates a collector declared in .rr.yaml by name; declaring a known name again is accepted', async () => {
    await m.add('app_jobs_total', 2, ['emails'])
    const again = await m.counter('app_jobs_total', { labels: ['queue'] })
    await again.inc({ queue: 'emails' })
    expect((await scrape(url)).sample('app_jobs_total', { queue: 'emails' })).toBe(3)
  })

  it('unregister removes a collector from the endpoint', async () => {
    const g = await m.gauge('temporary_gauge')
    await g.set(1)
    expect((await scrape(url)).sample('temporary_gauge')).toBe(1)
    expect(await m.unregister('temporary_gauge')).toBe(true)
    expect((await scrape(url)).sample('temporary_gauge')).toBeUndefined()
  })

  it('refuses what rr would reject or crash on, with the reason', async () => {
    const c = await m.counter('refusals_total', { labels: ['kind'] })
    await expect(c.add(-1, { kind: 'x' })).rejects.toThrow(/counter "refusals_total" cannot decrease/)
    await expect(m.add('refusals_total', -1, ['x'])).rejects.toThrow(/negative value is refused, because on a counter it crashes rr/)
    await expect(c.sub(1, { kind: 'x' })).rejects.toThrow(/is a counter, which has no sub\(\): declare a gauge/)
    await expect(c.inc({})).rejects.toThrow(/missing: kind/)
    await expect(c.inc({ kind: 'x', extra: 'y' })).rejects.toThrow(/not declared: extra/)
    await expect(c.inc()).rejects.toThrow(/takes 1 label value\(s\) \(kind\), got 0/)
    await expect(c.add(Number.NaN, { kind: 'x' })).rejects.toThrow(/finite number/)
    await expect(m.counter('bad name')).rejects.toThrow(/invalid metric name "bad name"/)
    await expect(m.declare('s', 'summary', { objectives: { 0.5: 0.05 } } as never)).rejects.toThrow(/objectives cannot be declared over RPC/)
    await expect(m.declare('x', 'meter' as never)).rejects.toThrow(/unknown collector type "meter"/)
    await expect(m.add('never_declared', 1)).rejects.toThrow(/metric "never_declared" is not declared in rr: declare it first/)
    // rr is still up and counting after all that
    await c.inc({ kind: 'x' })
    expect((await scrape(url)).sample('refusals_total', { kind: 'x' })).toBe(1)
  })
})

describe("rr's metrics plugin, raw", () => {
  it('a negative Add on a counter ends the rr process (why Metrics refuses it)', async () => {
    const rpc = await freePort()
    const rr = await startRr({
      config: { rpc: { listen: `tcp://127.0.0.1:${rpc}` }, logs: { level: 'error' }, metrics: { address: `127.0.0.1:${await freePort()}` } },
      waitForPort: rpc,
    })
    const client = new RpcClient(`tcp://127.0.0.1:${rpc}`, { timeoutMs: 10_000, connectAttempts: 1 })
    try {
      await client.callJson('metrics.Declare', { name: 'doomed_total', collector: { type: 'counter', help: 'x', labels: [], buckets: [] } })
      const exited = new Promise<number | null>((r) => rr.process.once('exit', (code) => r(code)))
      await expect(client.callJson('metrics.Add', { name: 'doomed_total', value: -1, labels: [] })).rejects.toThrow()
      expect(await exited).not.toBe(0)
      expect(rr.output()).toMatch(/counter cannot decrease in value/)
    } finally {
      await client.close()
      await rr.stop()
    }
  })
})
