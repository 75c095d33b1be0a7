/**
 * The pure parts of the consumer: the exact response bodies rr parses, the job context decoding,
 * the task's answer rules, and the in-flight journal's claim of dead processes' jobs.
 */
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ReceivedTask, decodeJobContext, encodeResponse, JobContextError } from '../../src/jobs/index.js'
import { InflightJournal, claimOrphans } from '../../src/jobs/journal.js'

const ctx = (o: Record<string, unknown>) => Buffer.from(JSON.stringify(o))
const task = (headers: Record<string, string[]> | null = {}) =>
  new ReceivedTask(decodeJobContext(ctx({ id: 'j1', job: 'mail', driver: 'memory', headers, pipeline: 'p' })), Buffer.from('{"a":1}'))

describe('response bodies (jobs protocol, body JSON)', () => {
  const body = (fn: (t: ReceivedTask) => void) => {
    const t = task()
    fn(t)
    return encodeResponse(t.response!).toString()
  }
  it('ack is type 2', () => {
    expect(body((t) => t.ack())).toBe('{"type":2,"data":{}}')
  })
  it('nack is type 3 with message, requeue, delay_seconds', () => {
    expect(body((t) => t.nack('boom', { requeue: true, delay: 5 }))).toBe('{"type":3,"data":{"message":"boom","requeue":true,"delay_seconds":5}}')
    expect(body((t) => t.nack())).toBe('{"type":3,"data":{"message":"","requeue":false,"delay_seconds":0}}')
  })
  it('requeue is type 4 with message, delay_seconds and headers as string arrays', () => {
    expect(body((t) => t.requeue({ message: 'retry', delay: 10, headers: { attempts: '2', many: ['a', 'b'] } }))).toBe(
      '{"type":4,"data":{"message":"retry","delay_seconds":10,"headers":{"attempts":["2"],"many":["a","b"]}}}',
    )
  })
  it('fail is type 1 with message, requeue, delay_seconds, headers', () => {
    expect(body((t) => t.fail(new Error('bad'), { requeue: true }))).toBe('{"type":1,"data":{"message":"bad","requeue":true,"delay_seconds":0,"headers":{}}}')
  })
  it('rejects a delay that is not whole seconds', () => {
    expect(() => task().requeue({ delay: 0.5 })).toThrow(/whole number of seconds/)
    expect(() => task().nack('x', { delay: -1 })).toThrow(/whole number of seconds/)
  })
})

describe('job context', () => {
  it('decodes every key and turns null headers into {}', () => {
    const c = decodeJobContext(ctx({ id: 'a', job: 'j', driver: 'kafka', headers: null, pipeline: 'p', queue: 'q', topic: 'q', partition: 2, offset: 9 }))
    expect(c).toEqual({ id: 'a', job: 'j', driver: 'kafka', headers: {}, pipeline: 'p', queue: 'q', topic: 'q', partition: 2, offset: 9 })
  })
  it('defaults a missing pipeline to "unknown" as the PHP consumer does', () => {
    expect(decodeJobContext(ctx({ id: 'a', job: 'j', driver: 'memory', headers: {} })).pipeline).toBe('unknown')
  })
  it('rejects a context that is not JSON or has no id, saying why', () => {
    expect(() => decodeJobContext(Buffer.from('\x0a\x03GET'))).toThrow(JobContextError)
    expect(() => decodeJobContext(Buffer.from('\x0a\x03GET'))).toThrow(/RR_MODE=jobs/)
    expect(() => decodeJobContext(ctx({ job: 'x' }))).toThrow(/no id/)
  })
})

describe('ReceivedTask', () => {
  it('counts attempts from the attempts header', () => {
    expect(task().attempt).toBe(1)
    expect(task({ attempts: ['2'] }).attempt).toBe(3)
    expect(task({ attempts: ['garbage'] }).attempt).toBe(1)
  })
  it('reads headers exactly, then case-insensitively', () => {
    const t = task({ 'X-Trace': ['abc'] })
    expect(t.header('X-Trace')).toBe('abc')
    expect(t.header('x-trace')).toBe('abc')
    expect(t.header('nope')).toBeUndefined()
  })
  it('parses JSON payloads and says which job was not JSON', () => {
    expect(task().json()).toEqual({ a: 1 })
    const t = new ReceivedTask(decodeJobContext(ctx({ id: 'j9', job: 'n', headers: {} })), Buffer.from('plain'))
    expect(() => t.json()).toThrow(/job j9 \(n\): the payload is not JSON/)
  })
  it('refuses a second answer', () => {
    const t = task()
    t.ack()
    expect(() => t.nack('again')).toThrow(/already answered/)
  })
})

describe('in-flight journal', () => {
  it('claims the job of a dead process once, and leaves live processes alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pionia-journal-'))
    // a dead process: a child that has exited
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!
    const entry = { pid: dead, start: '', id: 'lost-1', job: 'mail', pipeline: 'p', driver: 'memory', headers: {}, payload: Buffer.from('x').toString('base64') }
    writeFileSync(join(dir, `${dead}.job`), JSON.stringify(entry))
    // this live process, mid-job
    const mine = new InflightJournal(dir)
    mine.begin({ id: 'running', job: 'mail', pipeline: 'p', driver: 'memory', headers: {} }, Buffer.from('y'))

    const claimed = claimOrphans(dir)
    expect(claimed.map((c) => c.entry.id)).toEqual(['lost-1'])
    expect(claimOrphans(dir)).toEqual([]) // a second claimer gets nothing
    claimed[0]!.done()
    expect(readdirSync(dir).sort()).toEqual([`${process.pid}.job`])
    mine.end()
    mine.close()
    expect(readdirSync(dir)).toEqual([])
  })

  it('puts a claimed job back when it could not be pushed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pionia-journal-'))
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!
    writeFileSync(join(dir, `${dead}.job`), JSON.stringify({ pid: dead, start: '', id: 'x', job: 'j', pipeline: 'p', driver: 'memory', headers: {}, payload: '' }))
    claimOrphans(dir)[0]!.release()
    expect(claimOrphans(dir).map((c) => c.entry.id)).toEqual(['x'])
  })
})

describe('jobConsumer options', () => {
  it('refuses a maxAttempts or retryDelay that would break retries, naming the fix', async () => {
    const { jobConsumer } = await import('../../src/jobs/index.js')
    expect(() => jobConsumer(() => {}, { maxAttempts: 0, recoverInFlight: false })).toThrow(/maxAttempts must be a whole number >= 1/)
    expect(() => jobConsumer(() => {}, { retryDelay: 0.5, recoverInFlight: false })).toThrow(/retryDelay must be a whole number of seconds/)
  })
})
