/**
 * The production layout (deploy/) on one machine, for a trial: nginx (TLS + HTTP/2) in front of two
 * DeskFlow rr nodes sharing RabbitMQ, Redis and PostgreSQL, every port a free loopback port.
 *   bash scripts/cluster start [--workers=2]   starts it in the background and prints the URLs
 *   bash scripts/cluster status                each node's status probes
 *   bash scripts/cluster stop                  stops nginx and the nodes, drops the run's database
 * The run is recorded in .pionia/cluster.json (one cluster per checkout). Needs the services of
 * `bash scripts/ci-services start` (which also installs nginx) and rr from `bash scripts/build-rr`.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ROOT } from '../test/helpers/rr.js'
import { alive } from '../test/helpers/process.js'
import { cleanupRun, startCluster, stopPid, type ClusterState } from '../test/cluster/stack.js'

const STATE = join(ROOT, '.pionia', 'cluster.json')

function readState(): ClusterState | undefined {
  return existsSync(STATE) ? (JSON.parse(readFileSync(STATE, 'utf8')) as ClusterState) : undefined
}

const running = (s: ClusterState) => [s.nginxPid, s.nodes.a.pid, s.nodes.b.pid].some((p) => p !== undefined && alive(p))

async function probe(address: string, path: string): Promise<string> {
  try {
    const res = await fetch(`http://${address}${path}`, { signal: AbortSignal.timeout(3000) })
    await res.arrayBuffer()
    return String(res.status)
  } catch {
    return 'down'
  }
}

async function start(workers: number | undefined): Promise<void> {
  const old = readState()
  if (old && running(old)) {
    console.error(`A cluster is already running (${old.dir}): bash scripts/cluster stop first.`)
    process.exit(1)
  }
  const cluster = await startCluster({ detached: true, httpWorkers: workers })
  mkdirSync(join(ROOT, '.pionia'), { recursive: true })
  writeFileSync(STATE, JSON.stringify(cluster.state, null, 2) + '\n')
  const s = cluster.state
  const cert = join(s.dir, 'tls', 'fullchain.pem')
  console.log(`Cluster ${s.id} is up (files in ${s.dir}):
  nginx   ${cluster.url}   (TLS + HTTP/2; self-signed certificate ${cert})
          http://127.0.0.1:${s.httpPort}  (redirects to HTTPS)
  node a  http://${s.nodes.a.http}  status http://${s.nodes.a.status}  rpc tcp://${s.nodes.a.rpc}  log ${join(s.dir, 'node-a.log')}
  node b  http://${s.nodes.b.http}  status http://${s.nodes.b.status}  rpc tcp://${s.nodes.b.rpc}  log ${join(s.dir, 'node-b.log')}
  shared  PostgreSQL database ${s.database}, RabbitMQ queue ${s.queue}, Redis kv "cache" (prefix ${s.prefix})

Try:
  curl --cacert ${cert} --http2 ${cluster.url}/api/v1/ping -i
  curl --cacert ${cert} ${cluster.url}/api/v1/ -d '{"service":"task","action":"list"}'
  deploy/check-nodes ${s.nodes.a.status} ${s.nodes.b.status}
Stop: bash scripts/cluster stop`)
}

async function stop(): Promise<void> {
  const s = readState()
  if (!s) {
    console.log('No cluster recorded in .pionia/cluster.json.')
    return
  }
  await stopPid(s.nginxPid, 'SIGQUIT', 20_000)
  // One SIGTERM each: rr finishes in-flight requests and jobs within endure.grace_period (10 s).
  await Promise.all([stopPid(s.nodes.a.pid, 'SIGTERM', 30_000), stopPid(s.nodes.b.pid, 'SIGTERM', 30_000)])
  await cleanupRun(s)
  rmSync(STATE, { force: true })
  console.log(`Cluster ${s.id} stopped; database ${s.database} dropped, ${s.dir} removed.`)
}

async function status(): Promise<void> {
  const s = readState()
  if (!s || !running(s)) {
    console.log('No cluster running.')
    process.exit(1)
  }
  let bad = false
  for (const n of [s.nodes.a, s.nodes.b]) {
    const up = n.pid !== undefined && alive(n.pid)
    const health = await probe(n.status, '/health?plugin=http')
    const ready = await probe(n.status, '/ready?plugin=http')
    console.log(`node ${n.name}  pid ${n.pid}${up ? '' : ' (gone)'}  health ${health}  ready ${ready}`)
    if (health !== '200' || ready !== '200') bad = true
  }
  console.log(`nginx  pid ${s.nginxPid}${s.nginxPid && alive(s.nginxPid) ? '' : ' (gone)'}  https://127.0.0.1:${s.httpsPort}`)
  process.exit(bad ? 1 : 0)
}

const { positionals, values } = parseArgs({ allowPositionals: true, options: { workers: { type: 'string' } } })
const command = positionals[0]
if (command === 'start') await start(values.workers ? Number(values.workers) : undefined)
else if (command === 'stop') await stop()
else if (command === 'status') await status()
else {
  console.error('Usage: bash scripts/cluster start [--workers=N] | status | stop')
  process.exit(2)
}
