/**
 * DeskFlow under the real rr for the reliability and security tests: the repository's .rr.yaml with
 * every address moved to a free loopback port, rr's RPC on (informer pids), a temp project root
 * (settings.ini copy, .env, SQLite file), and helpers to call the API and read the pool.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { parse } from 'yaml'
import { RpcClient, informer, type WorkerState } from '../../src/rpc/index.js'
import { ROOT, freePort, nodeCommand, processesMatching, startRr, type RrInstance } from '../helpers/rr.js'
import { tempProject, type TempProject } from '../deskflow/project.js'

export interface Reply {
  status: number
  headers: Headers
  text: string
  /** The parsed envelope, or undefined when the body is not JSON. */
  body: { returnCode: number; returnMessage: string | null; returnData: any; extraData: unknown } | undefined
}

export interface DeskflowStack {
  rr: RrInstance
  project: TempProject
  port: number
  base: string
  rpc: RpcClient
  rpcAddress: string
  /** A unique argument on every worker's command line (to find them with processesMatching). */
  marker: string
  /** The parsed config rr was started with. */
  config: Record<string, any>
  send(path: string, init?: RequestInit): Promise<Reply>
  /** POST /api/v1 with a JSON body (a string is sent as is). */
  call(body: unknown, headers?: Record<string, string>): Promise<Reply>
  /** The http pool as rr's informer reports it. */
  workers(): Promise<WorkerState[]>
  /** Sorted pids of the http pool. */
  pids(): Promise<number[]>
  /** Logs in a seed member; returns the bearer header. */
  login(email?: string): Promise<Record<string, string>>
  stop(): Promise<number | null>
}

export interface StackOptions {
  /** http.pool.num_workers (default 2). */
  workers?: number
  /** Edit the config before rr starts (after the ports were moved). */
  edit?: (config: Record<string, any>) => void | Promise<void>
  /** Extra .env lines for the project. */
  env?: Record<string, string>
  /** Environment for rr itself (and its workers). */
  rrEnv?: Record<string, string>
  /** Keep the jobs section (default: dropped, so only the http pool runs). */
  jobs?: boolean
  /** Worker script (default worker.ts, the DeskFlow worker). */
  script?: string
  /** Edit the project (settings sections, …) before rr starts. */
  setup?: (project: TempProject) => void | Promise<void>
}

export async function readShippedConfig(): Promise<Record<string, any>> {
  const config = parse(readFileSync(join(ROOT, '.rr.yaml'), 'utf8')) as Record<string, any>
  for (const section of Object.values(config)) {
    if (!section || typeof section !== 'object') continue
    if (typeof section.address === 'string') section.address = `127.0.0.1:${await freePort()}`
    if (typeof section.listen === 'string') section.listen = `tcp://127.0.0.1:${await freePort()}`
  }
  delete config.version
  return config
}

export async function startDeskflow(options: StackOptions = {}): Promise<DeskflowStack> {
  const project = tempProject({ env: options.env })
  await options.setup?.(project)
  const config = await readShippedConfig()
  const marker = `--reliability=${randomBytes(6).toString('hex')}`
  config.http.pool.num_workers = options.workers ?? 2
  config.server.command = nodeCommand(options.script ?? 'worker.ts', marker).join(' ')
  if (!options.jobs) delete config.jobs
  await options.edit?.(config)
  const port = Number(String(config.http.address).split(':').at(-1))
  const base = `http://127.0.0.1:${port}`
  const rr = await startRr({ config, cwd: project.root, env: options.rrEnv, waitForUrl: `${base}/api/v1/ping` })
  const rpcAddress = String(config.rpc.listen)
  const rpc = new RpcClient(rpcAddress, { timeoutMs: 10_000 })
  const send = async (path: string, init?: RequestInit): Promise<Reply> => {
    const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(60_000), ...init })
    const text = await res.text()
    let body: Reply['body']
    try {
      body = JSON.parse(text)
    } catch {
      body = undefined
    }
    return { status: res.status, headers: res.headers, text, body }
  }
  const call = (body: unknown, headers: Record<string, string> = {}) =>
    send('/api/v1/', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' || body instanceof Uint8Array ? (body as BodyInit) : JSON.stringify(body),
    })
  const workers = () => informer(rpc).workers('http')
  const stack: DeskflowStack = {
    rr,
    project,
    port,
    base,
    rpc,
    rpcAddress,
    marker,
    config,
    send,
    call,
    workers,
    pids: async () => (await workers()).map((w) => w.pid).sort((a, b) => a - b),
    async login(email = 'alex@northwind.studio') {
      const r = await call({ service: 'member', action: 'login', email, password: 'secret' })
      if (r.status !== 200 || !r.body?.returnData?.token) throw new Error(`login failed: ${r.status} ${r.text}`)
      return { authorization: `Bearer ${r.body.returnData.token}` }
    },
    async stop() {
      rpc.close()
      const code = await rr.stop()
      project.cleanup()
      return code
    },
  }
  return stack
}

export { waitFor } from '../helpers/process.js'

export { processesMatching }
