/**
 * A handler that never answers, against the real rr: the shipped exec_ttl frees the pool and bounds
 * a stop; the worker exits by itself when rr dies while the handler hangs; stopserver ends an rr
 * that ignores its stop (no exec_ttl), with every worker. (The stop command reaching a busy worker
 * is covered in test/worker/worker.test.ts: rr's reset holds the http plugin's lock while a request
 * runs, so it cannot deliver one through rr here.)
 */
import { afterAll, describe, expect, it } from 'vitest'
import { copyFileSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { parse } from 'yaml'
import { ROOT, freePort, nodeCommand, processesMatching, startRr } from '../helpers/rr.js'
import { makeProject, type Project } from '../cli/_project.js'
import { defaultRrYaml } from '../../src/cli/templates/rr-yaml.js'
import { readShippedConfig, waitFor } from './stack.js'

const HANG = 'test/fixtures/reliability/hang-worker.ts'
const newMarker = () => `--hang=${randomBytes(6).toString('hex')}`
const seconds = (v: unknown) => Number(/^(\d+)s$/.exec(String(v))?.[1])
const fetchStatus = (url: string, timeoutMs = 120_000) =>
  fetch(url, { signal: AbortSignal.timeout(timeoutMs) }).then((r) => r.status, (err: Error) => `failed: ${err.message}`)
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
const projects: Project[] = []
afterAll(() => {
  for (const p of projects) p.remove()
})

describe('a handler that never answers', () => {
  it('the shipped .rr.yaml and the rr:setup template set http.pool.supervisor.exec_ttl (under allocate_timeout)', () => {
    for (const config of [parse(readFileSync(join(ROOT, '.rr.yaml'), 'utf8')), parse(defaultRrYaml())]) {
      const pool = config.http.pool
      expect(seconds(pool.supervisor.exec_ttl)).toBeGreaterThan(0)
      expect(seconds(pool.supervisor.exec_ttl)).toBeLessThan(seconds(pool.allocate_timeout))
    }
  })

  it('shipped config (exec_ttl 3 s here): two hung requests on two workers do not jam the pool, and SIGTERM ends rr', async () => {
    const config = await readShippedConfig()
    const marker = newMarker()
    config.server.command = nodeCommand(HANG, marker).join(' ')
    delete config.jobs
    config.http.pool.supervisor.exec_ttl = '3s'
    const port = Number(String(config.http.address).split(':').at(-1))
    const base = `http://127.0.0.1:${port}`
    const rr = await startRr({ config, waitForUrl: `${base}/pid` })
    try {
      await waitFor(() => processesMatching(marker).length === 2, 'two workers')
      const hung = [fetchStatus(`${base}/hang`), fetchStatus(`${base}/hang`)]
      const started = Date.now()
      // Both workers are stuck; this one waits for a worker and gets one once exec_ttl frees them.
      expect(await fetchStatus(`${base}/ping`)).toBe(200)
      expect(Date.now() - started).toBeLessThan(30_000)
      expect(await Promise.all(hung)).toEqual([500, 500])
      expect(rr.output()).toContain('execTTL timeout elapsed')
      // A stop with a hung request in flight: rr exits (after exec_ttl ends that request).
      const inflight = fetchStatus(`${base}/hang`)
      await waitFor(async () => (await fetchStatus(`${base}/pid`)) === 200, 'pool answers')
      const exited = new Promise<number | null>((r) => rr.process.once('exit', (c) => r(c)))
      const stopAt = Date.now()
      rr.process.kill('SIGTERM')
      // 500 from exec_ttl, or the connection cut when rr closes it at the end of the grace period.
      expect(String(await inflight)).toMatch(/^(500|failed)/)
      await exited
      expect(Date.now() - stopAt).toBeLessThan((seconds(config.endure.grace_period) + 5) * 1000)
      await waitFor(() => processesMatching(marker).length === 0, 'no worker left', 15_000)
    } finally {
      await rr.stop()
    }
  }, 120_000)

  it('rr killed while the handler hangs: the orphaned worker exits after its grace', async () => {
    const port = await freePort()
    const marker = newMarker()
    const rr = await startRr({
      config: {
        server: { command: nodeCommand(HANG, marker), relay: 'pipes' },
        http: { address: `127.0.0.1:${port}`, pool: { num_workers: 1, allocate_timeout: '60s', destroy_timeout: '60s' } },
        logs: { mode: 'development', level: 'info' },
      },
      env: { PIONIA_STOP_GRACE_MS: '1000' },
      waitForUrl: `http://127.0.0.1:${port}/pid`,
    })
    const [pid] = processesMatching(marker)
    const hung = fetchStatus(`http://127.0.0.1:${port}/hang`)
    await new Promise((r) => setTimeout(r, 300))
    await rr.stop('SIGKILL')
    expect(String(await hung)).toMatch(/^failed/)
    await waitFor(() => !isAlive(pid!), 'the orphaned worker exits', 8_000)
    rmSync(rr.cwd, { recursive: true, force: true })
  }, 60_000)

  it('stopserver when rr ignores the stop (no exec_ttl): escalates, says so, and leaves no rr or worker', async () => {
    const port = await freePort()
    const marker = newMarker()
    const p = makeProject({
      withWorker: false,
      rrYaml: {
        server: { command: `node --import tsx worker.ts ${marker}`, relay: 'pipes' },
        http: { address: `127.0.0.1:${port}`, pool: { num_workers: 2, allocate_timeout: '60s', destroy_timeout: '60s' } },
        logs: { mode: 'development', level: 'info' },
        endure: { grace_period: '2s' },
      },
    })
    projects.push(p)
    copyFileSync(join(ROOT, HANG), join(p.dir, 'worker.ts'))
    const started = await p.run(['runserver', '--detach', '--port', String(port)])
    expect(started.exitCode, started.stdout + started.stderr).toBe(0)
    await waitFor(() => processesMatching(marker).length === 2, 'two workers')
    const rrPid = Number(readFileSync(join(p.dir, '.pid'), 'utf8'))
    const hung = fetchStatus(`http://127.0.0.1:${port}/hang`)
    await new Promise((r) => setTimeout(r, 300))
    const t0 = Date.now()
    const stopped = await p.run(['stopserver', '--timeout=3'])
    expect(stopped.exitCode, stopped.stdout + stopped.stderr).toBe(0)
    expect(stopped.stdout).toContain(`RoadRunner (pid ${rrPid}) did not stop within 3s`)
    expect(stopped.stdout).toContain('http.pool.supervisor.exec_ttl')
    expect(stopped.stdout).toMatch(/Sent a second SIGTERM/)
    expect(stopped.stdout).toContain('RoadRunner stopped (forced after 3s).')
    expect(Date.now() - t0).toBeLessThan(20_000)
    expect(isAlive(rrPid)).toBe(false)
    await waitFor(() => processesMatching(marker).length === 0, 'no worker left', 5_000)
    expect(String(await hung)).toMatch(/^(failed|5\d\d)/)
  }, 90_000)
})
