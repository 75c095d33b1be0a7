/**
 * Every task outcome and every producer call against the real rr with the memory driver.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { JobsError } from '../../src/jobs/index.js'
import { startJobsRig, type JobsRig } from './harness.js'

let rig: JobsRig

beforeAll(async () => {
  rig = await startJobsRig({
    numWorkers: 1,
    // debug: rr logs "job processing was started" when a poller takes a job (the priority test waits for it)
    extra: { logs: { level: 'debug', mode: 'development' } },
    pipelines: { test: { driver: 'memory', config: { priority: 10, prefetch: 1000 } } },
  })
})
afterAll(async () => {
  await rig?.stop()
})

describe('consumer outcomes (memory driver)', () => {
  it('acks: one delivery, with rr\'s context decoded into the task', async () => {
    const id = await rig.queue.push('ack', { hello: 'world' }, { pipeline: 'test', headers: { 'x-trace': 'abc', multi: ['1', '2'] } })
    const [d] = await rig.until('the ack job', () => rig.deliveries('id = ?', id)[0] && rig.deliveries('id = ?', id))
    expect(d!.name).toBe('ack')
    expect(d!.pipeline).toBe('test')
    expect(d!.driver).toBe('memory')
    expect(d!.attempt).toBe(1)
    expect(JSON.parse(d!.payload)).toEqual({ hello: 'world' })
    const headers = JSON.parse(d!.headers)
    expect(headers['x-trace']).toEqual(['abc'])
    expect(headers.multi).toEqual(['1', '2'])
    await rig.rr.waitForOutput(new RegExp(`jobs: id=${id} job=ack pipeline=test outcome=ack duration=[\\d.]+ms`))
    await rig.settle('test')
    expect(rig.deliveries('id = ?', id)).toHaveLength(1)
  })

  it('nack without requeue drops the job after one delivery', async () => {
    const id = await rig.queue.push('nack', '', { pipeline: 'test' })
    await rig.rr.waitForOutput(new RegExp(`id=${id} job=nack pipeline=test outcome=nack `))
    await rig.settle('test')
    expect(rig.deliveries('id = ?', id)).toHaveLength(1)
  })

  it('nack with requeue delivers the job again', async () => {
    const id = await rig.queue.push('nack-requeue', 'x', { pipeline: 'test' })
    const ds = await rig.until('two deliveries', () => (rig.deliveries('id = ?', id).length >= 2 ? rig.deliveries('id = ?', id) : null))
    await rig.rr.waitForOutput(new RegExp(`id=${id} job=nack-requeue pipeline=test outcome=ack`))
    await rig.settle('test')
    expect(ds).toHaveLength(2)
    expect(rig.deliveries('id = ?', id)).toHaveLength(2)
  })

  it('requeue pushes the job again after the delay with the merged headers', async () => {
    const id = await rig.queue.push('requeue', 'x', { pipeline: 'test', headers: { keep: 'me' } })
    const ds = await rig.until('two deliveries', () => (rig.deliveries('id = ?', id).length >= 2 ? rig.deliveries('id = ?', id) : null))
    const second = JSON.parse(ds[1]!.headers)
    expect(second['x-step']).toEqual(['2'])
    expect(second.keep).toEqual(['me'])
    expect(ds[1]!.at - ds[0]!.at).toBeGreaterThanOrEqual(950)
  })

  it('fail without requeue: rr logs the error and drops the job', async () => {
    const id = await rig.queue.push('fail', 'x', { pipeline: 'test' })
    await rig.rr.waitForOutput(new RegExp(`id=${id} job=fail pipeline=test outcome=fail `))
    await rig.rr.waitForOutput(/jobs protocol error.*broken for good/)
    await rig.settle('test')
    expect(rig.deliveries('id = ?', id)).toHaveLength(1)
  })

  it('fail with requeue pushes the job again with headers', async () => {
    const id = await rig.queue.push('fail-requeue', 'x', { pipeline: 'test' })
    const ds = await rig.until('two deliveries', () => (rig.deliveries('id = ?', id).length >= 2 ? rig.deliveries('id = ?', id) : null))
    expect(JSON.parse(ds[1]!.headers)['x-step']).toEqual(['retry'])
  })

  it('a throwing handler is retried with an attempt counter, then dropped after maxAttempts; the worker lives on', async () => {
    const before = rig.deliveries().at(-1)
    const id = await rig.queue.push('throw', 'x', { pipeline: 'test' })
    await rig.rr.waitForOutput(new RegExp(`id=${id} job=throw pipeline=test outcome=nack duration=[\\d.]+ms attempts=3 gave_up=true`))
    await rig.settle('test')
    const ds = rig.deliveries('id = ?', id)
    expect(ds.map((d) => d.attempt)).toEqual([1, 2, 3])
    expect(JSON.parse(ds[2]!.headers).attempts).toEqual(['2'])
    expect(new Set(ds.map((d) => d.pid))).toEqual(new Set([before!.pid]))
    const ok = await rig.queue.push('ack', 'after', { pipeline: 'test' })
    const [d] = await rig.until('a job after the failures', () => rig.deliveries('id = ?', ok)[0] && rig.deliveries('id = ?', ok))
    expect(d!.pid).toBe(before!.pid)
  })

  it('a handler that throws once succeeds on the second attempt', async () => {
    const id = await rig.queue.push('throw-once', 'x', { pipeline: 'test' })
    await rig.rr.waitForOutput(new RegExp(`id=${id} job=throw-once pipeline=test outcome=requeue duration=[\\d.]+ms attempt=1 error="broken on the first attempt"`))
    await rig.rr.waitForOutput(new RegExp(`id=${id} job=throw-once pipeline=test outcome=ack`))
    expect(rig.deliveries('id = ?', id).map((d) => d.attempt)).toEqual([1, 2])
  })

  it('honours delay', async () => {
    const t0 = Date.now()
    const id = await rig.queue.push('ack', 'late', { pipeline: 'test', delay: 2 })
    const [d] = await rig.until('the delayed job', () => rig.deliveries('id = ?', id)[0] && rig.deliveries('id = ?', id), 10_000)
    expect(d!.at - t0).toBeGreaterThanOrEqual(1900)
  })

  it('runs lower priority numbers first', async () => {
    // One worker and three pollers (rr sets num_workers + 2, whatever the config says): the blocker
    // runs, the two idle pollers take a filler each (rr logs it), and everything pushed after waits
    // in rr's priority queue. The blocker ends once rr reports all of it held.
    const release = join(mkdtempSync(join(tmpdir(), 'pionia-prio-')), 'go')
    const blocker = await rig.queue.push('hold', { file: release }, { pipeline: 'test' })
    await rig.until('the blocker to start', () => rig.deliveries('id = ?', blocker).length > 0)
    const fillers = await rig.queue.pushBatch([
      { name: 'ack', payload: 'filler', pipeline: 'test' },
      { name: 'ack', payload: 'filler', pipeline: 'test' },
    ])
    for (const f of fillers) await rig.rr.waitForOutput(new RegExp(`job processing was started\\W+ID\\W+${f}`))
    const ids = await rig.queue.pushBatch([5, 1, 3, 2, 4].map((p) => ({ name: 'ack', payload: `p${p}`, pipeline: 'test', priority: p })))
    await rig.until('rr to hold all eight jobs', async () => (await rig.queue.stat()).find((x) => x.pipeline === 'test')?.active === 8)
    writeFileSync(release, '')
    const got = await rig.until('the five priority jobs', () => {
      const ds = rig.deliveries(`id IN (${ids.map(() => '?').join(',')})`, ...ids)
      return ds.length === 5 ? ds : null
    })
    expect(got.map((d) => d.payload)).toEqual(['p1', 'p2', 'p3', 'p4', 'p5'])
  })
})

describe('producer calls', () => {
  it('list, declare (memory), resume, stat, pause, destroy', async () => {
    expect(await rig.queue.list()).toContain('test')
    await rig.queue.declare({ name: 'extra', driver: 'memory', priority: 3, prefetch: 50 })
    expect(await rig.queue.list()).toEqual(expect.arrayContaining(['test', 'extra']))
    await rig.queue.resume('extra')
    const id = await rig.queue.push('ack', 'on extra', { pipeline: 'extra' })
    const [d] = await rig.until('the job on the declared pipeline', () => rig.deliveries('id = ?', id)[0] && rig.deliveries('id = ?', id))
    expect(d!.pipeline).toBe('extra')

    const stat = (await rig.queue.stat()).find((s) => s.pipeline === 'extra')!
    expect(stat).toMatchObject({ pipeline: 'extra', driver: 'memory', ready: true, priority: 3 })

    await rig.queue.pause('extra')
    expect((await rig.queue.stat()).find((s) => s.pipeline === 'extra')!.ready).toBe(false)
    const held = await rig.queue.push('ack', 'while paused', { pipeline: 'extra' })
    // rr has one priority queue for all pipelines and this rig one poller: had `extra` (priority 3)
    // let the held job in, it would run before a barrier on `test` (priority 10) pushed after it
    await rig.settle('test')
    expect(rig.deliveries('id = ?', held)).toHaveLength(0)
    await rig.queue.resume('extra')
    await rig.until('the held job after resume', () => rig.deliveries('id = ?', held).length === 1)

    expect(await rig.queue.destroy('extra')).toEqual(['extra'])
    expect(await rig.queue.list()).not.toContain('extra')
  })

  it('pushBatch returns the ids in order and every job arrives once', async () => {
    const ids = await rig.queue.pushBatch(Array.from({ length: 50 }, (_, i) => ({ name: 'ack', payload: { i }, pipeline: 'test' })))
    expect(new Set(ids).size).toBe(50)
    await rig.until('50 batch jobs', () => rig.deliveries(`id IN (${ids.map(() => '?').join(',')})`, ...ids).length === 50)
  })

  it('keeps a caller-chosen id', async () => {
    const id = await rig.queue.push('ack', 'x', { pipeline: 'test', id: 'my-own-id-42' })
    expect(id).toBe('my-own-id-42')
    await rig.until('the job with my id', () => rig.deliveries('id = ?', 'my-own-id-42').length === 1)
  })

  it('surfaces rr\'s errors as typed JobsError', async () => {
    const noPipe = await rig.queue.push('ack', 'x', { pipeline: 'nope' }).catch((e) => e)
    expect(noPipe).toBeInstanceOf(JobsError)
    expect(noPipe.code).toBe('RR_ERR_JOBS_NO_PIPELINE')
    expect(noPipe.rrMessage).toMatch(/no such pipeline/)
    expect(noPipe.message).toMatch(/declare it/)

    await rig.queue.declare({ name: 'twice', driver: 'memory' })
    const dup = await rig.queue.declare({ name: 'twice', driver: 'memory' }).catch((e) => e)
    expect(dup).toBeInstanceOf(JobsError)
    expect(dup.code).toBe('RR_ERR_JOBS_PIPELINE_EXISTS')
    await rig.queue.destroy('twice')

    const emptyId = await rig.queue.push('ack', 'x', { pipeline: 'test', id: '' }).catch((e) => e)
    expect(emptyId).toBeInstanceOf(JobsError)
    expect(emptyId.code).toBe('RR_ERR_JOBS_EMPTY_ID')

    const badHeader = await rig.queue.push('ack', 'x', { pipeline: 'test', headers: { n: 5 as unknown as string } }).catch((e) => e)
    expect(badHeader.code).toBe('RR_ERR_JOBS_BAD_INPUT')
    expect(badHeader.message).toMatch(/header "n" must be a string or an array of strings/)

    const badDelay = await rig.queue.push('ack', 'x', { pipeline: 'test', delay: 1.5 }).catch((e) => e)
    expect(badDelay.code).toBe('RR_ERR_JOBS_BAD_INPUT')
    expect(badDelay.message).toMatch(/whole number/)
  })
})
