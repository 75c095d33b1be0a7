/**
 * Starts the real Centrifugo (built by scripts/build-centrifugo) and the real rr with its
 * centrifuge plugin on loopback ports picked at run time, wired to each other: every Centrifugo
 * proxy (connect, refresh, subscribe, publish, sub_refresh, rpc) points at rr's proxy listener,
 * and rr's server-API client points at Centrifugo's gRPC API.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { parse } from 'yaml'
import { createServer, type AddressInfo, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { Centrifuge, type Options } from 'centrifuge'
import { ROOT, startRr, type RrInstance } from '../helpers/rr.js'
import { RpcClient, informer } from '../../src/rpc/index.js'

let cachedBinary: string | undefined

/** Path of the Centrifugo binary: $PIONIA_CENTRIFUGO_BIN or what scripts/build-centrifugo built. */
export function centrifugoBinary(): string {
  if (cachedBinary) return cachedBinary
  const path =
    process.env.PIONIA_CENTRIFUGO_BIN ||
    execFileSync('bash', [join(ROOT, 'scripts/build-centrifugo'), '--path'], { encoding: 'utf8' }).trim()
  if (!existsSync(path)) throw new Error(`centrifugo not found at ${path}: run bash scripts/build-centrifugo (CI does)`)
  cachedBinary = path
  return path
}

/** Namespaces every test config declares, all with every channel proxy on. */
export const NAMESPACES = ['moonlight', 'chat']

/** Centrifugo v6 config that proxies every event type to rr's proxy listener. */
export function centrifugoConfig(o: { httpPort: number; grpcPort: number; proxyPort: number; allowedOrigins?: string[] }): object {
  const endpoint = `grpc://127.0.0.1:${o.proxyPort}`
  const proxy = { endpoint, timeout: '10s' }
  // Non-connect proxies carry the connection meta (Moonlight keeps the JWT there).
  const withMeta = { ...proxy, include_connection_meta: true }
  const channelProxies = { subscribe_proxy_enabled: true, publish_proxy_enabled: true, sub_refresh_proxy_enabled: true }
  return {
    log: { level: 'info' },
    http_server: { address: '127.0.0.1', port: o.httpPort },
    client: {
      allowed_origins: o.allowedOrigins ?? [],
      // Short intervals so expiring subscriptions reach the sub_refresh proxy within seconds.
      presence_update_interval: '1s',
      expired_sub_close_delay: '1s',
      proxy: {
        // The JS client's `headers` option (headers emulation) reaches the connect proxy for these names.
        connect: { enabled: true, ...proxy, emulated_headers: ['authorization'] },
        refresh: { enabled: true, ...withMeta },
      },
    },
    channel: {
      proxy: { subscribe: withMeta, publish: withMeta, sub_refresh: withMeta },
      without_namespace: { ...channelProxies, presence: true },
      namespaces: NAMESPACES.map((name) => ({ name, ...channelProxies, presence: true, history_size: 50, history_ttl: '300s' })),
    },
    rpc: { proxy: withMeta, without_namespace: { proxy_enabled: true } },
    grpc_api: { enabled: true, address: '127.0.0.1', port: o.grpcPort },
    http_api: { disabled: true },
    admin: { enabled: false },
    health: { enabled: true },
    usage_stats: { disabled: true },
  }
}

export interface CentrifugoInstance {
  readonly process: ChildProcess
  readonly httpPort: number
  readonly wsUrl: string
  output(): string
  stop(): Promise<void>
}

/** Starts Centrifugo with `config` and waits until its /health answers. */
export async function startCentrifugo(config: object & { http_server: { port: number } }): Promise<CentrifugoInstance> {
  const dir = mkdtempSync(join(tmpdir(), 'pionia-centrifugo-'))
  const file = join(dir, 'config.json')
  writeFileSync(file, JSON.stringify(config, null, 2))
  const child = spawn(centrifugoBinary(), ['-c', file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  const port = config.http_server.port
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`centrifugo exited with ${child.exitCode}:\n${out}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`centrifugo did not become healthy:\n${out}`)
    }
    try {
      const r = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) })
      if (r.ok) break
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    process: child,
    httpPort: port,
    wsUrl: `ws://127.0.0.1:${port}/connection/websocket`,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000)
        await exited
        clearTimeout(t)
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export interface StackOptions {
  /** rr `server.command` (the worker for every pool). */
  command: string[]
  /** Extra environment for rr and its workers. */
  env?: Record<string, string>
  /** Also run rr's http plugin (address 127.0.0.1:<httpPort>). */
  http?: boolean
  /** Number of centrifuge workers (default 1). */
  workers?: number
  /** Extra .rr.yaml sections. */
  extra?: Record<string, unknown>
  /** A centrifuge section to start from (its addresses are replaced by the stack's ports). */
  centrifuge?: Record<string, any>
  /** Working directory for rr (default: a temp dir). */
  cwd?: string
  /** Extra origins Centrifugo accepts (the browser page's). */
  allowedOrigins?: (ports: StackPorts) => string[]
}

export interface StackPorts {
  rpc: number
  proxy: number
  grpc: number
  centrifugo: number
  http: number
}

export interface Stack {
  readonly rr: RrInstance
  readonly centrifugo: CentrifugoInstance
  readonly ports: StackPorts
  /** `tcp://127.0.0.1:<rpc>`: rr's RPC address. */
  readonly rpcAddress: string
  /** A centrifuge-js client over `ws` for this stack (not connected yet). */
  client(options?: Partial<Options>): Centrifuge
  stop(): Promise<void>
}

/**
 * `n` different free loopback ports: all listeners stay open until every port is picked, so the
 * kernel cannot hand the same port out twice (freePort() called n times could).
 */
export async function distinctPorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<Server>((resolve, reject) => {
      const s = createServer()
      s.once('error', reject)
      s.listen(0, '127.0.0.1', () => resolve(s))
    })),
  )
  const ports = servers.map((s) => (s.address() as AddressInfo).port)
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))))
  return ports
}

/** Polls rr's informer until the centrifuge pool has `n` workers, all started. */
export async function waitForWorkers(rpcAddress: string, n: number): Promise<void> {
  const rpc = new RpcClient(rpcAddress, { timeoutMs: 5000 })
  try {
    const deadline = Date.now() + 60_000
    for (;;) {
      const ws = await informer(rpc).workers('centrifuge').catch(() => [])
      if (ws.length >= n && ws.every((w) => w.status === 1 || w.status === 2)) return
      if (Date.now() > deadline) throw new Error(`rr's centrifuge pool did not reach ${n} ready workers: ${JSON.stringify(ws)}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  } finally {
    await rpc.close()
  }
}

/**
 * The repository's .rr.yaml as the realtime tests run it: its sections (kv, metrics, …) with
 * addresses moved to free ports, and its commented `centrifuge:` block uncommented, so the
 * documented block is the one under test. rpc/server/http come from the stack; jobs are the jobs
 * tests' business.
 */
export async function repoRrConfig(): Promise<{ extra: Record<string, unknown>; centrifuge: Record<string, any> }> {
  const text = readFileSync(join(ROOT, '.rr.yaml'), 'utf8')
  const lines = text.split('\n')
  const start = lines.findIndex((l) => /^#\s?centrifuge:\s*$/.test(l))
  if (start < 0) throw new Error('.rr.yaml has no commented "# centrifuge:" block')
  const block: string[] = []
  for (const l of lines.slice(start)) {
    if (!/^#( |$)/.test(l) && l !== '#centrifuge:') break
    block.push(l.replace(/^# ?/, ''))
  }
  const centrifuge = (parse(block.join('\n')) as { centrifuge: Record<string, any> }).centrifuge
  const config = parse(text) as Record<string, any>
  for (const key of ['version', 'rpc', 'server', 'http', 'centrifuge', 'jobs', 'logs']) delete config[key]
  for (const section of Object.values(config)) {
    if (section && typeof section === 'object' && typeof section.address === 'string') {
      section.address = `127.0.0.1:${(await distinctPorts(1))[0]}`
    }
  }
  return { extra: config, centrifuge }
}

/** Centrifugo first (it dials rr lazily), then rr; stop in reverse order. */
export async function startStack(o: StackOptions): Promise<Stack> {
  const [rpc, proxy, grpc, centrifugo0, http] = await distinctPorts(5)
  const ports: StackPorts = { rpc: rpc!, proxy: proxy!, grpc: grpc!, centrifugo: centrifugo0!, http: http! }
  const centrifugo = await startCentrifugo(
    centrifugoConfig({
      httpPort: ports.centrifugo,
      grpcPort: ports.grpc,
      proxyPort: ports.proxy,
      allowedOrigins: o.allowedOrigins?.(ports),
    }) as { http_server: { port: number } },
  )
  const rpcAddress = `tcp://127.0.0.1:${ports.rpc}`
  let rr: RrInstance
  try {
    rr = await startRr({
      cwd: o.cwd,
      env: o.env,
      config: {
        rpc: { listen: rpcAddress },
        server: { command: o.command, relay: 'pipes' },
        logs: { level: 'info', mode: 'development' },
        centrifuge: {
          ...o.centrifuge,
          proxy_address: `tcp://127.0.0.1:${ports.proxy}`,
          grpc_api_address: `127.0.0.1:${ports.grpc}`,
          pool: { allocate_timeout: '60s', destroy_timeout: '10s', ...o.centrifuge?.pool, num_workers: o.workers ?? 1 },
        },
        ...(o.http ? { http: { address: `127.0.0.1:${ports.http}`, pool: { num_workers: 1, allocate_timeout: '60s' } } } : {}),
        ...o.extra,
      },
      waitForPort: o.http ? ports.http : ports.proxy,
    })
    await waitForWorkers(rpcAddress, o.workers ?? 1)
  } catch (err) {
    await centrifugo.stop()
    throw err
  }
  return {
    rr,
    centrifugo,
    ports,
    rpcAddress,
    client(options = {}) {
      return new Centrifuge(centrifugo.wsUrl, { websocket: WebSocket, minReconnectDelay: 100, maxReconnectDelay: 500, ...options })
    },
    async stop() {
      await rr.stop()
      await centrifugo.stop()
    },
  }
}
