/**
 * rr's app-logger through pionia/rpc `rrLogger` and the pino destination: lines from two workers
 * come out of rr's logger (`app`) with their levels and fields; when rr goes away mid-way, the rest
 * goes to stderr and no line is lost.
 */
import { execa } from 'execa'
import { afterAll, describe, expect, it } from 'vitest'
import { freePort, nodeCommand, startRr, type RrInstance } from '../helpers/rr.js'
import { waitFor } from '../helpers/process.js'

interface RrLine {
  level: string
  logger: string
  msg: string
  [key: string]: unknown
}

/** rr's JSON log lines (logs.mode production) from the app logger. */
function appLines(output: string): RrLine[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as RrLine)
    .filter((l) => l.logger === 'app')
}

const started: RrInstance[] = []
afterAll(async () => {
  for (const rr of started) await rr.stop()
})

describe('app-logger', () => {
  it('writes lines from two workers through rr with their levels and fields', async () => {
    const [httpPort, rpcPort] = [await freePort(), await freePort()]
    const rr = await startRr({
      config: {
        rpc: { listen: `tcp://127.0.0.1:${rpcPort}` },
        server: { command: nodeCommand('test/fixtures/app-logger/http-worker.ts').join(' '), relay: 'pipes' },
        http: { address: `127.0.0.1:${httpPort}`, pool: { num_workers: 2, allocate_timeout: '60s' } },
        logs: { mode: 'production', level: 'debug', encoding: 'json' },
      },
      waitForUrl: `http://127.0.0.1:${httpPort}/`,
    })
    started.push(rr)
    const pids = new Set<number>()
    for (let n = 1; n <= 40; n++) {
      const res = await Promise.all([fetch(`http://127.0.0.1:${httpPort}/log?n=${n}a`), fetch(`http://127.0.0.1:${httpPort}/log?n=${n}b`)])
      for (const r of res) pids.add(((await r.json()) as { pid: number }).pid)
      if (pids.size === 2 && n >= 2) break
    }
    expect(pids.size).toBe(2)
    const lines = appLines(rr.output())
    const infos = lines.filter((l) => l.msg === 'hit')
    const warns = lines.filter((l) => l.msg === 'pino hit')
    expect(infos.every((l) => l.level === 'info')).toBe(true)
    expect(warns.every((l) => l.level === 'warn')).toBe(true)
    expect(new Set(infos.map((l) => Number(l.worker)))).toEqual(pids)
    expect(new Set(warns.map((l) => Number(l.worker)))).toEqual(pids)
    expect(infos.find((l) => l.n === '1a')).toMatchObject({ nested: '{"ok":true}' })
    expect(warns.find((l) => l.n === '1a')).toBeDefined()
    // every request's lines arrived (each handler flushed before answering)
    expect(infos.length).toBe(warns.length)
    expect(new Set(infos.map((l) => l.n)).size).toBe(infos.length)
  })

  it('sends the lines it cannot deliver to stderr when rr stops mid-way, none lost', async () => {
    const rpcPort = await freePort()
    const rr = await startRr({
      config: {
        rpc: { listen: `tcp://127.0.0.1:${rpcPort}` },
        logs: { mode: 'production', level: 'info', encoding: 'json' },
        endure: { grace_period: '3s' },
      },
      waitForPort: rpcPort,
    })
    started.push(rr)
    const total = 300
    const child = execa(process.execPath, nodeCommand('test/fixtures/app-logger/outside.ts').slice(1), {
      env: { RR_RPC: `tcp://127.0.0.1:${rpcPort}`, LINES: String(total) },
      reject: false,
    })
    await waitFor(() => appLines(rr.output()).length >= 30, '30 lines in rr\'s log', 60_000)
    await rr.stop()
    const { stderr, exitCode } = await child
    expect(exitCode).toBe(0)
    const viaRr = appLines(rr.output()).map((l) => Number(l.seq))
    const viaStderr = stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; seq: number; level: string; logger: string })
    expect(viaStderr.length).toBeGreaterThan(0)
    expect(viaStderr[0]).toMatchObject({ level: 'info', logger: 'app' })
    const seen = new Set([...viaRr, ...viaStderr.map((l) => l.seq)])
    const missing = Array.from({ length: total }, (_, i) => i + 1).filter((i) => !seen.has(i))
    expect(missing).toEqual([])
    // order is kept within each destination
    expect(viaRr).toEqual([...viaRr].sort((a, b) => a - b))
  }, 120_000)
})
