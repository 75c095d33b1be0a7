/**
 * The consumer and producer against the real rr with the AMQP driver and a real RabbitMQ; and two
 * rr instances sharing one queue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { informer } from '../../src/rpc/index.js'
import { requireService, SERVICES } from '../helpers/services.js'
import { startJobsRig, type JobsRig } from './harness.js'

const tag = randomBytes(4).toString('hex')

/** An amqp pipeline config on its own queue and exchange. */
function amqpPipeline(name: string, extra: Record<string, unknown> = {}) {
  return {
    driver: 'amqp',
    config: {
      queue: name,
      routing_key: name,
      exchange: `${name}-x`,
      exchange_type: 'direct',
      prefetch: 10,
      requeue_on_fail: true,
      delete_queue_on_stop: true,
      exchange_auto_delete: true,
      ...extra,
    },
  }
}

describe('amqp driver (RabbitMQ)', () => {
  let rig: JobsRig
  const q = `pionia-amqp-${tag}`
  const autoQ = `pionia-auto-${tag}`

  beforeAll(async () => {
    await requireService('rabbitmq')
    rig = await startJobsRig({
      numWorkers: 1,
      extra: { amqp: { addr: SERVICES.rabbitmq.url } },
      env: { JOBS_AUTO_ACK: 'auto' },
      pipelines: { work: amqpPipeline(q), auto: amqpPipeline(autoQ) },
    })
  })
  afterAll(async () => {
    await rig?.stop()
  })

  const deliveriesOf = (id: string, n: number) =>
    rig.until(`${n} deliveries of ${id}`, () => {
      const d = rig.deliveries('id = ?', id)
      return d.length >= n ? d : null
    })

  it('acks, with the amqp context (driver, queue, headers) decoded', async () => {
    const id = await rig.queue.push('ack', { a: 1 }, { pipeline: 'work', headers: { 'x-trace': 't1' } })
    const [d] = await deliveriesOf(id, 1)
    expect(d).toMatchObject({ name: 'ack', pipeline: 'work', driver: 'amqp', queue: q, attempt: 1 })
    expect(JSON.parse(d!.headers)['x-trace']).toEqual(['t1'])
    await rig.rr.waitForOutput(new RegExp(`jobs: id=${id} job=ack pipeline=work outcome=ack`))
    await rig.settle('work')
    expect(rig.deliveries('id = ?', id)).toHaveLength(1)
  })

  it('nack with requeue: the broker delivers it again', async () => {
    const id = await rig.queue.push('nack-requeue', 'x', { pipeline: 'work' })
    await deliveriesOf(id, 2)
    await rig.rr.waitForOutput(new RegExp(`id=${id} job=nack-requeue pipeline=work outcome=ack`))
    await rig.settle('work')
    const ds = rig.deliveries('id = ?', id)
    // the first delivery was nacked with requeue, the broker's redelivery acked: exactly two, same job
    expect(ds.map((d) => [d.name, d.queue, d.payload])).toEqual([
      ['nack-requeue', q, 'x'],
      ['nack-requeue', q, 'x'],
    ])
    expect(rig.rr.output()).toMatch(new RegExp(`id=${id} job=nack-requeue pipeline=work outcome=nack\\+requeue `))
  })

  it('nack without requeue drops it', async () => {
    const id = await rig.queue.push('nack', 'x', { pipeline: 'work' })
    await rig.rr.waitForOutput(new RegExp(`id=${id} job=nack pipeline=work outcome=nack `))
    await rig.settle('work')
    expect(rig.deliveries('id = ?', id)).toHaveLength(1)
  })

  it('requeue republishes after the delay (dead-letter TTL queue) with the merged headers', async () => {
    const id = await rig.queue.push('requeue', 'x', { pipeline: 'work', headers: { keep: 'me' } })
    const ds = await deliveriesOf(id, 2)
    const h = JSON.parse(ds[1]!.headers)
    expect(h['x-step']).toEqual(['2'])
    expect(h.keep).toEqual(['me'])
    expect(ds[1]!.at - ds[0]!.at).toBeGreaterThanOrEqual(900)
  })

  it('fail with and without requeue', async () => {
    const once = await rig.queue.push('fail-requeue', 'x', { pipeline: 'work' })
    const ds = await deliveriesOf(once, 2)
    expect(JSON.parse(ds[1]!.headers)['x-step']).toEqual(['retry'])
    const gone = await rig.queue.push('fail', 'x', { pipeline: 'work' })
    await rig.rr.waitForOutput(new RegExp(`id=${gone} job=fail pipeline=work outcome=fail `))
    await rig.settle('work')
    expect(rig.deliveries('id = ?', gone)).toHaveLength(1)
  })

  it('a throwing handler: attempts 1..3 with the counter header, then dropped', async () => {
    const id = await rig.queue.push('throw', 'x', { pipeline: 'work' })
    await rig.rr.waitForOutput(new RegExp(`id=${id} job=throw pipeline=work outcome=nack duration=[\\d.]+ms attempts=3 gave_up=true`))
    await rig.settle('work')
    expect(rig.deliveries('id = ?', id).map((d) => d.attempt)).toEqual([1, 2, 3])
    const stat = (await rig.queue.stat()).find((s) => s.pipeline === 'work')!
    expect(stat).toMatchObject({ driver: 'amqp', queue: q, active: 0, ready: true })
  })

  it('honours delay', async () => {
    const t0 = Date.now()
    const id = await rig.queue.push('ack', 'late', { pipeline: 'work', delay: 2 })
    const [d] = await deliveriesOf(id, 1)
    expect(d!.at - t0).toBeGreaterThanOrEqual(1900)
  })

  it('auto_ack jobs: acked by the broker on delivery, a throwing handler is logged, not retried', async () => {
    const id = await rig.queue.push('throw', 'x', { pipeline: 'auto', autoAck: true })
    await rig.rr.waitForOutput(new RegExp(`id=${id} job=throw pipeline=auto outcome=ack duration=[\\d.]+ms error="always broken" auto_ack=true \\(not retried\\)`))
    await rig.settle('auto')
    expect(rig.deliveries('id = ?', id)).toHaveLength(1)
  })

  it('declares an amqp pipeline at run time, consumes it after resume, destroys it', async () => {
    const name = `pionia-declared-${tag}`
    await rig.queue.declare({ name: 'declared', driver: 'amqp', queue: name, routing_key: name, exchange: `${name}-x`, exchange_type: 'direct', priority: 4, prefetch: 5, delete_queue_on_stop: true, exchange_auto_delete: true })
    expect(await rig.queue.list()).toEqual(expect.arrayContaining(['work', 'auto', 'declared']))
    await rig.queue.resume('declared')
    const id = await rig.queue.push('ack', 'x', { pipeline: 'declared' })
    const [d] = await deliveriesOf(id, 1)
    expect(d).toMatchObject({ pipeline: 'declared', queue: name, driver: 'amqp' })
    expect((await rig.queue.stat()).find((s) => s.pipeline === 'declared')).toMatchObject({ driver: 'amqp', queue: name, ready: true, priority: 4 })
    expect(await rig.queue.destroy('declared')).toEqual(['declared'])
    expect(await rig.queue.list()).not.toContain('declared')
  })
})

describe('two rr instances sharing one RabbitMQ queue', () => {
  let a: JobsRig
  let b: JobsRig
  const q = `pionia-shared-${tag}`

  beforeAll(async () => {
    await requireService('rabbitmq')
    const common = { numWorkers: 1, extra: { amqp: { addr: SERVICES.rabbitmq.url } }, pipelines: { shared: amqpPipeline(q, { durable: false }) } }
    a = await startJobsRig(common)
    b = await startJobsRig({ ...common, dbPath: a.dbPath })
  })
  afterAll(async () => {
    await b?.stop()
    await a?.stop()
  })

  it('a job pushed through the first is consumed by the second while the first one\'s pipeline is paused', async () => {
    const bPids = (await b.until('b\'s consumer', async () => {
      const ws = await informer(b.rpc).workers('jobs')
      return ws.length ? ws : null
    })).map((w) => w.pid)
    const aPids = (await informer(a.rpc).workers('jobs')).map((w) => w.pid)
    await a.queue.pause('shared')
    expect((await a.queue.stat()).find((s) => s.pipeline === 'shared')!.ready).toBe(false)
    const ids = await a.queue.pushBatch(Array.from({ length: 5 }, (_, i) => ({ name: 'ack', payload: { i }, pipeline: 'shared' })))
    const got = await a.until('the five jobs', () => {
      const ds = a.deliveries(`id IN (${ids.map(() => '?').join(',')})`, ...ids)
      return ds.length === 5 ? ds : null
    })
    for (const d of got) expect(bPids).toContain(d.pid)
    for (const d of got) expect(aPids).not.toContain(d.pid)
    await b.rr.waitForOutput(new RegExp(`jobs: id=${ids[0]} job=ack pipeline=shared outcome=ack`))

    // resumed, the first instance consumes from the same queue again
    await a.queue.resume('shared')
    await b.queue.pause('shared')
    const back = await b.queue.push('ack', 'via b', { pipeline: 'shared' })
    const [d] = await a.until('the job pushed through b', () => a.deliveries('id = ?', back)[0] && a.deliveries('id = ?', back))
    expect(aPids).toContain(d!.pid)
  })
})
