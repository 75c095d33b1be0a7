/**
 * Every TCP listener an rr config names besides http.address (after `-o` overrides), with the key that sets it, so
 * runserver can check them all before rr starts and name the busy one; and rr's readiness after a
 * detached start (status /ready when configured, else the first HTTP answer).
 * @module
 */
import { CliError } from '../command.js'
import { probePort } from '../util/ports.js'
import { httpsAddress } from './listeners.js'

export interface Listener {
  /** The config key, e.g. `rpc.listen`, `tcp.servers.echo.addr`. */
  key: string
  host: string
  port: number
}

/** `config` with rr's `-o key=value` overrides applied (dot paths; values as strings). */
export function withOverrides(config: Record<string, unknown>, overrides: string[]): Record<string, unknown> {
  const out = structuredClone(config)
  for (const o of overrides) {
    const eq = o.indexOf('=')
    if (eq < 0) continue
    const path = o.slice(0, eq).split('.')
    let node = out as Record<string, unknown>
    for (const part of path.slice(0, -1)) {
      if (!node[part] || typeof node[part] !== 'object') node[part] = {}
      node = node[part] as Record<string, unknown>
    }
    node[path[path.length - 1]!] = o.slice(eq + 1)
  }
  return out
}

/** host:port of `tcp://h:p`, `h:p` or `:p`; undefined for unix sockets and anything else. */
export function parseListen(value: unknown): { host: string; port: number } | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined
  const v = String(value).trim().replace(/^tcp:\/\//, '')
  if (/^[a-z]+:\/\//.test(v)) return undefined
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(v)
  if (!m) return undefined
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port: Number(m[3]) }
}

const get = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((n, k) => (n && typeof n === 'object' ? (n as Record<string, unknown>)[k] : undefined), o)

/** The listeners besides http.address (runserver resolves and checks that one itself). */
export function configListeners(config: Record<string, unknown>): Listener[] {
  const found: Listener[] = []
  const add = (key: string, value: unknown): void => {
    const l = parseListen(value)
    if (l && l.port > 0) found.push({ key, ...l })
  }
  add('http.ssl.address', httpsAddress(config))
  if (config.rpc !== undefined) add('rpc.listen', get(config, 'rpc', 'listen') ?? 'tcp://127.0.0.1:6001')
  add('metrics.address', get(config, 'metrics', 'address'))
  add('status.address', get(config, 'status', 'address'))
  add('centrifuge.proxy_address', get(config, 'centrifuge', 'proxy_address'))
  add('grpc.listen', get(config, 'grpc', 'listen'))
  add('fcgi.address', get(config, 'fcgi', 'address'))
  const servers = get(config, 'tcp', 'servers')
  if (servers && typeof servers === 'object') for (const [name, s] of Object.entries(servers)) add(`tcp.servers.${name}.addr`, get(s, 'addr'))
  return found
}

/** Throws a CliError naming the first busy listener and the key that sets it. */
export async function checkListeners(listeners: Listener[], configName: string): Promise<void> {
  for (const l of listeners) {
    const state = await probePort(l.host, l.port)
    if (state === 'in-use') {
      throw new CliError(
        'RR_ERR_PORT_IN_USE',
        `${l.key} (${l.host}:${l.port}) is already in use: another process listens there (another app's rr?).\n` +
          `Stop it (npx pionia stopserver in that app), or give this app another port: change ${l.key} in ${configName}, or pass -o ${l.key}=${l.key.endsWith('listen') ? 'tcp://' : ''}${l.host}:<free port>.`,
      )
    }
    if (state === 'not-local') throw new CliError('RR_ERR_BAD_ADDRESS', `${l.key} (${l.host}:${l.port}): ${l.host} is not an address of this machine. Change ${l.key} in ${configName}.`)
    if (state === 'forbidden') throw new CliError('RR_ERR_PORT_FORBIDDEN', `${l.key} (${l.host}:${l.port}): not allowed to listen on a port below 1024. Change ${l.key} in ${configName}.`)
  }
}

/**
 * Waits until rr is up: status `/ready` answers 200 when a status listener is configured, else the
 * HTTP listener gives any answer, else the RPC listener accepts. Returns 'dead' when `dead()` turns
 * true first, 'timeout' after `timeoutMs`.
 */
export async function waitReady(
  target: { status?: Listener; http?: { host: string; port: number }; rpc?: Listener },
  dead: () => boolean,
  timeoutMs: number,
): Promise<'ready' | 'dead' | 'timeout'> {
  const loop = (h: string): string => (h === '0.0.0.0' || h === '' ? '127.0.0.1' : h === '::' ? '[::1]' : h.includes(':') ? `[${h}]` : h)
  const deadline = Date.now() + timeoutMs
  const probe = async (): Promise<boolean> => {
    try {
      if (target.status) return (await fetch(`http://${loop(target.status.host)}:${target.status.port}/ready`, { signal: AbortSignal.timeout(2000) })).status === 200
      if (target.http) {
        await (await fetch(`http://${loop(target.http.host)}:${target.http.port}/`, { signal: AbortSignal.timeout(5000) })).arrayBuffer()
        return true
      }
      if (target.rpc) return (await probePort(target.rpc.host, target.rpc.port)) === 'in-use'
      return true
    } catch {
      return false
    }
  }
  while (Date.now() < deadline) {
    if (dead()) return 'dead'
    if (await probe()) return dead() ? 'dead' : 'ready'
    await new Promise((r) => setTimeout(r, 150))
  }
  return 'timeout'
}
