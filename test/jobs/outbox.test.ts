/**
 * The outbox's file rules (no rr needed): an entry is taken only once it is older than the idle
 * report, only for the pipelines named, by one sweeper, and rewritten so the next sweep waits.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { outboxAdd, outboxEmpty, outboxRemove, takeStale } from '../../src/jobs/outbox.js'

let dir: string
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const entry = (id: string, pipeline = 'p') => ({ id, job: 'j', pipeline, headers: { a: ['1'] }, payload: Buffer.from(id).toString('base64') })
const age = (id: string, ms: number) => {
  const t = (Date.now() - ms) / 1000
  utimesSync(join(dir, `${id}.out`), t, t)
}

describe('job outbox', () => {
  it('adds, removes, and reports emptiness; removing twice or an unknown id is fine', () => {
    dir = join(mkdtempSync(join(tmpdir(), 'outbox-')), 'nested')
    expect(outboxEmpty(dir)).toBe(true)
    outboxAdd(dir, entry('a/b')) // creates the directory; the id is encoded in the name
    expect(outboxEmpty(dir)).toBe(false)
    outboxRemove(dir, 'a/b')
    outboxRemove(dir, 'a/b')
    outboxRemove(dir, 'never-pushed')
    expect(outboxEmpty(dir)).toBe(true)
  })

  it('takes only entries older than the report, of idle pipelines, once; the taken entry stays with a fresh time', () => {
    dir = mkdtempSync(join(tmpdir(), 'outbox-'))
    outboxAdd(dir, entry('old'))
    outboxAdd(dir, entry('new'))
    outboxAdd(dir, entry('busy', 'other'))
    age('old', 5000)
    age('busy', 5000)
    const before = Date.now() - 1000
    const taken = takeStale(dir, new Set(['p']), before)
    expect(taken.map((e) => e.id)).toEqual(['old'])
    expect(taken[0]).toMatchObject({ job: 'j', pipeline: 'p', headers: { a: ['1'] } })
    expect(Buffer.from(taken[0]!.payload, 'base64').toString()).toBe('old')
    // still there (the job is pushed again; its consumer removes it), but not taken by the next sweep
    expect(readdirSync(dir).sort()).toEqual(['busy.out', 'new.out', 'old.out'])
    expect(takeStale(dir, new Set(['p']), before)).toEqual([])
    // the other pipeline's entry waits until that pipeline is idle
    expect(takeStale(dir, new Set(['other']), before).map((e) => e.id)).toEqual(['busy'])
  })

  it('puts back an entry held by a sweeper that died; outside rr an entry stamped with an rr is still taken', () => {
    dir = mkdtempSync(join(tmpdir(), 'outbox-'))
    // pid 2^22+1 is above Linux's pid_max default: no such process
    writeFileSync(join(dir, 'held.out.sweep-4194305'), JSON.stringify(entry('held')))
    takeStale(dir, new Set(['p']), Date.now())
    expect(existsSync(join(dir, 'held.out'))).toBe(true)
    const dropped: string[] = []
    writeFileSync(join(dir, 'gone.out'), JSON.stringify({ ...entry('gone'), rr: '1:1' }))
    age('gone', 5000)
    // outside rr (no RR_RELAY) this process has no rr key, so the entry is taken, not dropped
    expect(takeStale(dir, new Set(['p']), Date.now() - 1000, (e) => dropped.push(e.id)).map((e) => e.id)).toContain('gone')
    expect(dropped).toEqual([])
  })
})
