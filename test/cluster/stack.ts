/**
 * The production layout of deploy/ on one machine: nginx (TLS + HTTP/2, deploy/nginx/pionia.conf) in
 * front of two rr nodes (deploy/rr/node.rr.yaml) that share RabbitMQ, Redis and PostgreSQL. Every
 * port is a free loopback port chosen at run time; every run gets its own PostgreSQL database, AMQP
 * queue and cache prefix, so runs never see each other. Used by test/cluster/*.test.ts and by
 * scripts/cluster (start|stop, detached processes).
 */
import { spawn, execFile, execFileSync, type ChildProcess } from 'node:child_process'
import { promisify } from 'node:util'
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { parse as parseIni } from 'ini'
import pg from 'pg'
import { ROOT, nodeCommand, rrBinary } from '../helpers/rr.js'
import { SERVICES, requireService } from '../helpers/services.js'
import { alive, waitFor } from '../helpers/process.js'
import { distinctPorts } from '../centrifugo/stack.js'
import { startNginx, type Nginx } from './nginx.js'

const execFileAsync = promisify(execFile)

export const NODE_CONFIG = join(ROOT, 'deploy', 'rr', 'node.rr.yaml')
export const CLUSTER_INI = join(ROOT, 'deploy', 'environment', 'cluster.ini')

export type NodeName = 'a' | 'b'

export interface NodeAddresses {
  name: NodeName
  http: string
  rpc: string
  status: string
  metrics: string
}

export interface ClusterOptions {
  /** Worker script run by both nodes (default worker.ts, DeskFlow). */
  workerScript?: string
  /** http.pool.num_workers per node (default: the file's 2). */
  httpWorkers?: number
  /** endure.grace_period per node (default: the file's 10s; rr's jobs plugin holds every stop that long). */
  gracePeriod?: string
  /** Extra environment for both rr nodes (and their workers). */
  env?: Record<string, string>
  /** Processes outlive this one (scripts/cluster start): output to log files, no exit hooks. */
  detached?: boolean
}

/** What a running cluster is, as a JSON-able record (scripts/cluster stop reads it back). */
export interface ClusterState {
  id: string
  dir: string
  appRoot: string
  database: string
  queue: string
  exchange: string
  prefix: string
  httpsPort: number
  httpPort: number
  nodes: Record<NodeName, NodeAddresses & { pid?: number }>
  nginxPid?: number
  options: ClusterOptions
}

export interface ClusterNode {
  readonly addresses: NodeAddresses
  readonly base: string
  /** The rr process (undefined while stopped). */
  readonly process: ChildProcess | undefined
  /** Starts rr and waits until the node is ready (http worker free, jobs pipeline consuming). */
  start(): Promise<void>
  /** SIGKILL to rr; waits for rr's exit and for its workers to go (they exit when rr's pipes close). */
  kill(): Promise<void>
  /** One SIGTERM (rr's graceful stop); resolves with rr's exit code. */
  stop(): Promise<number | null>
  /** `rr reset`: every worker replaced while rr keeps its listeners. */
  reset(): Promise<void>
  /** GET on the status plugin; the status code (0 when it cannot be reached). */
  probe(path: string): Promise<number>
  /** Everything this rr printed since its last start (attached mode). */
  output(): string
}

export interface Cluster {
  readonly state: ClusterState
  /** https://127.0.0.1:<port>: nginx, TLS + HTTP/2. */
  readonly url: string
  /** The self-signed certificate nginx serves (trust it as a CA). */
  readonly ca: Buffer
  readonly nodes: Record<NodeName, ClusterNode>
  readonly nginx: Nginx
  /** postgres:// URL of this run's database. */
  readonly databaseUrl: string
  /** Stops nginx and both nodes, drops the database and queue, removes the run directory. */
  stop(): Promise<void>
}

/** Replaces (or appends) whole sections of an ini text. */
export function applySections(text: string, sections: Record<string, Record<string, string>>): string {
  const names = new Set(Object.keys(sections).map((s) => s.toLowerCase()))
  const out: string[] = []
  let skipping = false
  for (const line of text.split('\n')) {
    const m = /^\s*\[([^\]]+)\]\s*$/.exec(line)
    if (m) skipping = names.has(m[1]!.toLowerCase())
    if (!skipping) out.push(line)
  }
  for (const [name, body] of Object.entries(sections)) out.push(`[${name}]`, ...Object.entries(body).map(([k, v]) => `${k} = ${v}`), '')
  return out.join('\n')
}

/** deploy/environment/cluster.ini as sections (every value a string). */
export function clusterSettings(): Record<string, Record<string, string>> {
  const raw = parseIni(readFileSync(CLUSTER_INI, 'utf8')) as Record<string, Record<string, unknown>>
  const out: Record<string, Record<string, string>> = {}
  for (const [name, body] of Object.entries(raw)) out[name] = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, String(v)]))
  return out
}

async function asPostgres(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: SERVICES.postgres.url })
  await c.connect()
  try {
    await c.query(sql)
  } finally {
    await c.end()
  }
}

function nodeEnv(state: ClusterState, n: NodeAddresses): Record<string, string> {
  const worker = nodeCommand(state.options.workerScript ?? 'worker.ts').join(' ')
  if (/\s/.test(worker.replaceAll(' ', ''))) throw new Error(`the worker command has whitespace in a path: ${worker}`)
  return {
    PIONIA_NODE: n.name,
    PIONIA_HTTP_ADDRESS: n.http,
    PIONIA_RPC_ADDRESS: n.rpc,
    PIONIA_STATUS_ADDRESS: n.status,
    PIONIA_METRICS_ADDRESS: n.metrics,
    PIONIA_AMQP_URL: SERVICES.rabbitmq.url,
    PIONIA_AMQP_QUEUE: state.queue,
    PIONIA_AMQP_EXCHANGE: state.exchange,
    PIONIA_REDIS_ADDRESS: SERVICES.redis.address,
    PIONIA_WORKER_COMMAND: worker,
    ...state.options.env,
  }
}

/**
 * The config the nodes run: deploy/rr/node.rr.yaml itself, or (gracePeriod set, for tests) a copy with
 * only `endure.grace_period` changed. rr reads endure's section before it expands variables and
 * before -o overrides, so neither can change it.
 */
function nodeConfig(state: ClusterState): string {
  if (!state.options.gracePeriod) return NODE_CONFIG
  const path = join(state.dir, 'node.rr.yaml')
  if (!existsSync(path)) {
    const text = readFileSync(NODE_CONFIG, 'utf8')
    if (text.split('grace_period: 10s').length !== 2) throw new Error('deploy/rr/node.rr.yaml: expected "grace_period: 10s" once')
    writeFileSync(path, text.replace('grace_period: 10s', `grace_period: ${state.options.gracePeriod}`))
  }
  return path
}

function rrArgs(state: ClusterState): string[] {
  const args = ['serve', '-c', nodeConfig(state), '-w', state.appRoot]
  if (state.options.httpWorkers) args.push('-o', `http.pool.num_workers=${state.options.httpWorkers}`)
  return args
}

async function probe(address: string, path: string): Promise<number> {
  try {
    const res = await fetch(`http://${address}${path}`, { signal: AbortSignal.timeout(3000) })
    await res.arrayBuffer()
    return res.status
  } catch {
    return 0
  }
}

/** Ready = an http worker is free and the amqp pipeline is consuming (status plugin). */
async function nodeReady(n: NodeAddresses): Promise<boolean> {
  if ((await probe(n.status, '/ready?plugin=http')) !== 200) return false
  try {
    const res = await fetch(`http://${n.status}/jobs`, { signal: AbortSignal.timeout(3000) })
    const pipelines = (await res.json()) as { pipeline: string; ready: boolean }[]
    return pipelines.some((p) => p.pipeline === 'moonlight' && p.ready)
  } catch {
    return false
  }
}

/** Pids of processes whose parent is `pid` (from /proc). */
export function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0)
  } catch {
    return []
  }
}

function makeNode(state: ClusterState, name: NodeName): ClusterNode {
  const addresses = state.nodes[name]
  let child: ChildProcess | undefined
  let out = ''
  let exited: Promise<number | null> = Promise.resolve(null)
  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null

  const node: ClusterNode = {
    addresses,
    base: `http://${addresses.http}`,
    get process() {
      return child
    },
    output: () => out,
    async start() {
      if (running()) throw new Error(`node ${name} is already running`)
      out = ''
      const logPath = join(state.dir, `node-${name}.log`)
      const log = state.options.detached ? openSync(logPath, 'a') : undefined
      child = spawn(rrBinary(), rrArgs(state), {
        cwd: state.appRoot,
        env: { ...process.env, ...nodeEnv(state, addresses) },
        stdio: log === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', log, log],
        detached: state.options.detached,
      })
      if (log !== undefined) {
        closeSync(log)
        child.unref()
      } else {
        child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
        child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
        rrProcesses.add(child)
      }
      const c = child
      exited = new Promise((r) => c.once('exit', (code) => (rrProcesses.delete(c), r(code))))
      state.nodes[name].pid = c.pid
      await waitFor(async () => {
        if (c.exitCode !== null) throw new Error(`rr node ${name} exited with ${c.exitCode} during start:\n${out || readLog(logPath)}`)
        return nodeReady(addresses)
      }, `rr node ${name} ready (status ${addresses.status})`, 60_000).catch((err) => {
        throw new Error(`${(err as Error).message}\n${out || readLog(logPath)}`)
      })
    },
    async kill() {
      if (!running()) return
      const c = child!
      const workers = childrenOf(c.pid!)
      c.kill('SIGKILL')
      await exited
      // The workers notice the closed pipes and exit (a worker mid-request gets stopGraceMs, 5 s).
      await waitFor(() => workers.every((p) => !alive(p)), `node ${name}'s workers to exit after rr was killed`, 15_000).catch(() => {
        for (const p of workers) if (alive(p)) process.kill(p, 'SIGKILL')
      })
    },
    async stop() {
      if (!running()) return child?.exitCode ?? null
      const c = child!
      c.kill('SIGTERM')
      const t = setTimeout(() => c.kill('SIGKILL'), 30_000)
      const code = await exited
      clearTimeout(t)
      return code
    },
    async reset() {
      // Asynchronous: a load running in this process keeps going while rr replaces its workers.
      // rr's CLI reads rpc.listen without expanding ${VAR:-default}: the address goes in as -o.
      await execFileAsync(rrBinary(), ['reset', '-c', nodeConfig(state), '-w', state.appRoot, '-s', '-o', `rpc.listen=tcp://${addresses.rpc}`], {
        env: { ...process.env, ...nodeEnv(state, addresses) },
        timeout: 60_000,
      })
    },
    probe: (path) => probe(addresses.status, path),
  }
  return node
}

function readLog(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : ''
}

const rrProcesses = new Set<ChildProcess>()
process.once('exit', () => {
  for (const c of rrProcesses) c.kill('SIGKILL')
})

/** A self-signed certificate for 127.0.0.1 (and localhost), made with openssl. */
function makeCertificate(dir: string): { cert: string; key: string } {
  mkdirSync(dir, { recursive: true })
  const cert = join(dir, 'fullchain.pem')
  const key = join(dir, 'privkey.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '7', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'pipe' })
  return { cert, key }
}

/** Starts the whole layout and waits until nginx answers through both nodes. */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  await Promise.all([requireService('postgres'), requireService('redis'), requireService('rabbitmq')])
  const id = randomBytes(4).toString('hex')
  const dir = mkdtempSync(join(tmpdir(), 'pionia-cluster-'))
  // nginx's workers run as nobody when started by root: they must reach the temp dirs below.
  chmodSync(dir, 0o755)
  const ports = await distinctPorts(10)
  const at = (i: number) => `127.0.0.1:${ports[i]}`
  const state: ClusterState = {
    id,
    dir,
    appRoot: join(dir, 'app'),
    database: `deskflow_cluster_${id}`,
    queue: `pionia-cluster-${id}`,
    exchange: `pionia-cluster-${id}.x`,
    prefix: `cluster-${id}:`,
    httpsPort: ports[0]!,
    httpPort: ports[1]!,
    nodes: {
      a: { name: 'a', http: at(2), rpc: at(3), status: at(4), metrics: at(5) },
      b: { name: 'b', http: at(6), rpc: at(7), status: at(8), metrics: at(9) },
    },
    options,
  }
  let cluster: Cluster | undefined
  try {
    // The app root both nodes run in: settings.ini with deploy/environment/cluster.ini's sections
    // (this run's database and cache prefix), one .env with the JWT secret both nodes share.
    mkdirSync(join(state.appRoot, 'environment'), { recursive: true })
    const sections = clusterSettings()
    const u = new URL(SERVICES.postgres.url)
    sections.db = { ...sections.db!, host: u.hostname, port: u.port || '5432', username: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database_name: state.database }
    sections.cache = { ...sections.cache!, PREFIX: state.prefix }
    const settings = applySections(readFileSync(join(ROOT, 'environment', 'settings.ini'), 'utf8'), sections)
    writeFileSync(join(state.appRoot, 'environment', 'settings.ini'), settings)
    writeFileSync(join(state.appRoot, 'environment', '.env'), `APP_NAME=deskflow-cluster\nJWT_SECRET=${randomBytes(32).toString('hex')}\n`, { mode: 0o600 })
    await asPostgres(`CREATE DATABASE ${state.database}`)

    const tls = makeCertificate(join(dir, 'tls'))
    const nodes = { a: makeNode(state, 'a'), b: makeNode(state, 'b') }
    // One after the other: two boots at once on 2 cores can take longer than both in a row.
    await nodes.a.start()
    await nodes.b.start()
    const nginx = await startNginx({
      dir: join(dir, 'nginx'),
      httpsPort: state.httpsPort,
      httpPort: state.httpPort,
      upstreams: [state.nodes.a.http, state.nodes.b.http],
      cert: tls.cert,
      key: tls.key,
      detached: options.detached,
    })
    state.nginxPid = nginx.pid
    const url = `https://127.0.0.1:${state.httpsPort}`
    cluster = {
      state,
      url,
      ca: readFileSync(tls.cert),
      nodes,
      nginx,
      databaseUrl: Object.assign(new URL(SERVICES.postgres.url), { pathname: `/${state.database}` }).href,
      async stop() {
        await nginx.stop()
        await Promise.all([nodes.a.stop(), nodes.b.stop()])
        await cleanupRun(state)
      },
    }
    return cluster
  } finally {
    if (!cluster) {
      for (const c of rrProcesses) c.kill('SIGKILL')
      await cleanupRun(state).catch(() => {})
    }
  }
}

/** Drops what a run created outside its directory (database, queue), then the directory. */
export async function cleanupRun(state: ClusterState): Promise<void> {
  await asPostgres(`DROP DATABASE IF EXISTS ${state.database} WITH (FORCE)`).catch(() => {})
  try {
    // scripts/ci-services names the broker rabbit@localhost.
    execFileSync('rabbitmqctl', ['-q', 'delete_queue', state.queue], {
      stdio: 'ignore',
      timeout: 20_000,
      env: { RABBITMQ_NODENAME: 'rabbit@localhost', ...process.env },
    })
  } catch {
    // Not fatal: rabbitmqctl needs the broker's Erlang cookie (root on the CI machine).
  }
  rmSync(state.dir, { recursive: true, force: true })
}

/** Sends `signal` to a detached process and waits (bounded) for it to go. */
export async function stopPid(pid: number | undefined, signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
  if (!pid || !alive(pid)) return
  process.kill(pid, signal)
  await waitFor(() => !alive(pid), `pid ${pid} to exit`, timeoutMs).catch(() => {
    if (alive(pid)) process.kill(pid, 'SIGKILL')
  })
}
