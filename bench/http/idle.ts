/**
 * Idle connections against the real rr: how many a given open-files limit holds, what a new client
 * gets once they are all taken, and whether rr recovers when they go. Loopback only; stops itself
 * (everything is killed after --deadline seconds).
 *
 *   node --import tsx bench/http/idle.ts [--conns 20000] [--kind keepalive|slowloris|silent] [--nofile <rr's limit>] [--timeout 10]
 *
 * rr (one hello worker) runs with the given limit (default: this shell's). Client processes open the
 * connections (9,000 each, from their own 127.0.0.x source address), then three fresh GETs probe rr
 * (3 s each), the clients close everything and rr is probed again. Printed: rr's open files and
 * sockets, RSS, accept errors ("too many open files") in rr's log, and the probes.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { freePort, nodeCommand, startRr } from '../../test/helpers/rr.js'
import { holdIdle, openFiles, probe, rssMiB, type IdleKind } from '../../test/helpers/idle-conns.js'
import { openFilesLimit } from '../../src/cli/rr/open-files.js'

const PER_CLIENT = 9000

if (process.env.IDLE_BENCH_CLIENT) {
  // A client process: open, report, hold until told to close.
  const { port, count, kind, source, timeoutMs } = JSON.parse(process.env.IDLE_BENCH_CLIENT) as { port: number; count: number; kind: IdleKind; source: string; timeoutMs: number }
  const hold = await holdIdle(port, count, kind, { sourceAddresses: [source], timeoutMs, concurrency: 300 })
  process.send!({ opened: hold.opened, failed: hold.failed, reasons: hold.reasons })
  process.once('message', () => {
    hold.close()
    process.exit(0)
  })
} else {
  await main()
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      conns: { type: 'string', default: '20000' },
      kind: { type: 'string', default: 'keepalive' },
      nofile: { type: 'string' },
      deadline: { type: 'string', default: '240' },
      timeout: { type: 'string', default: '10' },
    },
  })
  const conns = Number(values.conns)
  const kind = values.kind as IdleKind
  if (!['keepalive', 'slowloris', 'silent'].includes(kind)) throw new Error(`--kind must be keepalive, slowloris or silent, got "${kind}"`)
  const nofile = values.nofile ? Number(values.nofile) : undefined
  const clients: ChildProcess[] = []
  const deadline = setTimeout(() => {
    console.error(`deadline (${values.deadline} s) reached: stopping`)
    for (const c of clients) c.kill('SIGKILL')
    process.exit(1)
  }, Number(values.deadline) * 1000)

  const port = await freePort()
  const rr = await startRr({
    config: {
      server: { command: nodeCommand('bench/http/workers/hello.ts'), relay: 'pipes' },
      http: { address: `127.0.0.1:${port}`, pool: { num_workers: 1, allocate_timeout: '10s', destroy_timeout: '10s' } },
      logs: { mode: 'development', level: 'info' },
    },
    waitForUrl: `http://127.0.0.1:${port}/`,
    nofile,
  })
  const pid = rr.process.pid!
  const limits = openFilesLimit(pid)!
  const before = openFiles(pid)
  const restRss = rssMiB(pid)
  console.log(`rr pid ${pid}: open files limit soft ${limits.soft} hard ${limits.hard}; at rest ${before.total} open (${before.sockets} sockets), RSS ${rssMiB(pid)} MiB`)
  console.log(`probe before: ${fmt(await probe(port))}`)

  const t0 = performance.now()
  type Report = { opened: number; failed: number; reasons: Record<string, number> }
  const reports: Promise<Report>[] = []
  for (let i = 0, left = conns; left > 0; i++, left -= PER_CLIENT) {
    const count = Math.min(PER_CLIENT, left)
    const child = fork(fileURLToPath(import.meta.url), [], {
      env: { ...process.env, IDLE_BENCH_CLIENT: JSON.stringify({ port, count, kind, source: `127.0.0.${i + 2}`, timeoutMs: Number(values.timeout) * 1000 }) },
      execArgv: ['--import', 'tsx'],
    })
    clients.push(child)
    reports.push(new Promise((res) => child.once('message', (m) => res(m as Report))))
  }
  const got = await Promise.all(reports)
  const opened = got.reduce((a, r) => a + r.opened, 0)
  const failed = got.reduce((a, r) => a + r.failed, 0)
  const reasons: Record<string, number> = {}
  for (const r of got) for (const [k, v] of Object.entries(r.reasons)) reasons[k] = (reasons[k] ?? 0) + v
  const held = openFiles(pid)
  const rss = rssMiB(pid)
  const rssBefore = restRss
  console.log(`${conns} ${kind} connections in ${Math.round(performance.now() - t0)} ms: ${opened} in place, ${failed} failed or unanswered (${values.timeout} s each)${failed ? ` ${JSON.stringify(reasons)}` : ''}`)
  console.log(`rr holds ${held.total} open files (${held.sockets} sockets), RSS ${rss} MiB (${(((rss - rssBefore) * 1024) / Math.max(1, held.sockets - before.sockets)).toFixed(1)} KiB per held socket, gross)`)
  for (let i = 1; i <= 3; i++) console.log(`probe ${i} while held: ${fmt(await probe(port))}`)
  const acceptErrors = (rr.output().match(/too many open files/g) ?? []).length
  console.log(`rr log lines with "too many open files": ${acceptErrors}`)

  const t1 = performance.now()
  for (const c of clients) c.send('close')
  await Promise.all(clients.map((c) => new Promise((res) => c.once('exit', res))))
  let after = await probe(port)
  while (!after.ok && performance.now() - t1 < 30_000) after = await probe(port)
  console.log(`after the clients closed: ${fmt(after)} (${Math.round(performance.now() - t1)} ms after close), rr holds ${openFiles(pid).total} open files`)
  await rr.stop()
  clearTimeout(deadline)
}

function fmt(p: { ok: boolean; status?: number; ms: number; error?: string }): string {
  return p.ok ? `${p.status} in ${p.ms} ms` : `no answer (${p.error ?? p.status})`
}
