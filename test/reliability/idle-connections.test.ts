/**
 * Idle connections against the real rr at a small open-files limit (the 20k case is
 * bench/http/idle.ts): each held connection costs rr one file; below the limit a new client is
 * served, at the limit rr stops accepting (accept4: too many open files, retried by Go's server),
 * and it serves again as soon as the idle clients go. This is the bound RELIABILITY.md documents.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { freePort, nodeCommand, startRr, type RrInstance } from '../helpers/rr.js'
import { holdIdle, openFiles, probe, type IdleHold } from '../helpers/idle-conns.js'
import { openFilesLimit } from '../../src/cli/rr/open-files.js'

const LIMIT = 256
let rr: RrInstance | undefined
const holds: IdleHold[] = []

afterEach(async () => {
  for (const h of holds.splice(0)) h.close()
  await rr?.stop()
  rr = undefined
})

async function start(): Promise<{ port: number; pid: number }> {
  const port = await freePort()
  rr = await startRr({
    config: {
      server: { command: nodeCommand('bench/http/workers/hello.ts'), relay: 'pipes' },
      http: { address: `127.0.0.1:${port}`, pool: { num_workers: 1, allocate_timeout: '10s', destroy_timeout: '10s' } },
      logs: { mode: 'development', level: 'info' },
    },
    waitForUrl: `http://127.0.0.1:${port}/`,
    nofile: LIMIT,
  })
  return { port, pid: rr.process.pid! }
}

describe(`idle connections at an open-files limit of ${LIMIT} (real rr)`, () => {
  it('keep-alive clients: served below the limit, not at it, served again once they close', async () => {
    const { port, pid } = await start()
    expect(openFilesLimit(pid)).toEqual({ soft: LIMIT, hard: LIMIT })
    const rest = openFiles(pid).total

    // Half the limit held: a new client is still served.
    holds.push(await holdIdle(port, LIMIT / 2, 'keepalive'))
    expect(holds[0]!.opened).toBe(LIMIT / 2)
    expect(openFiles(pid).total).toBeGreaterThanOrEqual(rest + LIMIT / 2)
    expect(await probe(port)).toMatchObject({ ok: true, status: 200 })

    // More than the limit: rr holds LIMIT files and a new client gets no answer.
    holds.push(await holdIdle(port, LIMIT, 'keepalive', { timeoutMs: 3000 }))
    expect(holds[1]!.failed).toBeGreaterThan(0)
    expect(openFiles(pid).total).toBe(LIMIT)
    expect((await probe(port, 2000)).ok).toBe(false)
    await rr!.waitForOutput(/too many open files/, 10_000)

    // They go: rr accepts again (Go's server retries accept with up to 1 s between tries).
    for (const h of holds.splice(0)) h.close()
    let again = await probe(port, 2000)
    for (let i = 0; !again.ok && i < 10; i++) again = await probe(port, 2000)
    expect(again).toMatchObject({ ok: true, status: 200 })
  }, 90_000)

  it('slowloris (a header never finished) holds a file the same way', async () => {
    const { port, pid } = await start()
    holds.push(await holdIdle(port, LIMIT + 50, 'slowloris'))
    // The kernel completes the handshakes; rr takes files until it reaches the limit.
    let held = openFiles(pid).total
    for (let i = 0; held < LIMIT && i < 50; i++) {
      await rr!.waitForOutput(/too many open files/, 200).catch(() => undefined)
      held = openFiles(pid).total
    }
    expect(held).toBe(LIMIT)
    expect((await probe(port, 2000)).ok).toBe(false)
    for (const h of holds.splice(0)) h.close()
    let again = await probe(port, 2000)
    for (let i = 0; !again.ok && i < 10; i++) again = await probe(port, 2000)
    expect(again).toMatchObject({ ok: true, status: 200 })
  }, 90_000)
})
