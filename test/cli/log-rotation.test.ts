/**
 * A long detached run rotates its log (real rr): with PIONIA_LOG_MAX_BYTES=128 KiB, 1,500 requests
 * make rr write more than two files' worth of access lines. The log keeper rotates between lines
 * (each file starts with a whole line and ends with a newline, none much over the cap), every
 * request's line is in exactly one file, and `runserver:logs` following across the rotations prints
 * every one of them once.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { freePort } from '../helpers/rr.js'
import { get, rrConfig, startCli, useProjects } from './_project.js'

const project = useProjects()
const MAX = 128 * 1024
const REQUESTS = 1500

/** How many access lines (their "URI" field) each request number has in `text`. */
function counts(text: string): Map<number, number> {
  const seen = new Map<number, number>()
  for (const m of text.matchAll(/"URI": ?"\/api\/v1\/ping\?n=(\d+)"/g)) seen.set(Number(m[1]), (seen.get(Number(m[1])) ?? 0) + 1)
  return seen
}

describe('the detached log within one run', () => {
  it(`is rotated at PIONIA_LOG_MAX_BYTES between whole lines; no line lost, runserver:logs follows across rotations`, async () => {
    const port = await freePort()
    const p = project({ rrYaml: rrConfig(port) })
    const log = join(p.dir, 'storage/logs/roadrunner.log')
    const start = await p.run(['runserver', '--detach'], { env: { NO_COLOR: '1', PORT: '', SERVER_PORT: '', HOST: '', SERVER_HOST: '', PIONIA_LOG_MAX_BYTES: String(MAX) } })
    expect(start.exitCode, start.stderr).toBe(0)
    const follow = startCli(p, ['runserver:logs', '--lines=0', '--raw'])
    await follow.waitFor(/Following/)

    let next = 0
    const lane = async (): Promise<void> => {
      while (next < REQUESTS) {
        const i = next++
        const res = await get(port, `/api/v1/ping?n=${i}`)
        expect(res.status).toBe(200)
        await res.arrayBuffer()
      }
    }
    await Promise.all(Array.from({ length: 8 }, lane))
    // The follower polls every 200 ms: wait until it has printed every request's line.
    const deadline = Date.now() + 30_000
    while (counts(follow.output()).size < REQUESTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))

    // Two rotations at least; each file is whole lines, at most the cap plus one line.
    expect(existsSync(`${log}.2`)).toBe(true)
    const files = [log, `${log}.1`, `${log}.2`, `${log}.3`].filter((f) => existsSync(f))
    let all = ''
    for (const f of files) {
      const text = readFileSync(f, 'utf8')
      if (f !== log) {
        expect(statSync(f).size).toBeGreaterThanOrEqual(MAX)
        expect(statSync(f).size).toBeLessThan(MAX + 8192)
      }
      expect(text.endsWith('\n'), f).toBe(true)
      for (const line of text.split('\n').filter(Boolean)) expect(line, f).toMatch(/^(\d{4}-\d\d-\d\dT|\[INFO\] |\[pionia\] )/)
      all += text
    }
    const inFiles = counts(all)
    const followed = counts(follow.output())
    for (let i = 0; i < REQUESTS; i++) {
      expect(inFiles.get(i), `request ${i} in the files`).toBe(1)
      expect(followed.get(i), `request ${i} followed`).toBe(1)
    }
    follow.proc.kill('SIGINT')
    await follow.proc
    expect((await p.run(['stopserver'])).exitCode).toBe(0)
  }, 120_000)
})
