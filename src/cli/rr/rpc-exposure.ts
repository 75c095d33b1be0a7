/**
 * rr's RPC has no authentication: whoever reaches it can reset workers, push jobs and read or change
 * KV and locks. runserver warns when the config (or an -o override) puts it on a non-loopback address.
 * @module
 */

/** The rpc.listen rr will use, or undefined when the config has no rpc section. */
export function rpcListen(config: Record<string, unknown>, overrides: readonly string[] = []): string | undefined {
  const o = [...overrides].reverse().find((x) => x.startsWith('rpc.listen='))
  if (o) return o.slice('rpc.listen='.length)
  const rpc = config.rpc as { listen?: unknown } | undefined | null
  if (!rpc || typeof rpc !== 'object') return undefined
  return typeof rpc.listen === 'string' && rpc.listen.trim() !== '' ? rpc.listen.trim() : 'tcp://127.0.0.1:6001'
}

/** True for unix sockets and TCP addresses on 127.0.0.0/8, ::1 or localhost. */
export function isLoopbackListen(listen: string): boolean {
  if (listen.startsWith('unix://')) return true
  const hostPort = listen.replace(/^tcp:\/\//, '')
  const i = hostPort.lastIndexOf(':')
  const host = (i >= 0 ? hostPort.slice(0, i) : hostPort).replace(/^\[|\]$/g, '').toLowerCase()
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host)
}

/** The warning to print, or undefined when RPC is off or on loopback. */
export function rpcExposureWarning(config: Record<string, unknown>, overrides: readonly string[] = []): string | undefined {
  const listen = rpcListen(config, overrides)
  if (listen === undefined || isLoopbackListen(listen)) return undefined
  return (
    `Warning: rr's RPC listens on ${listen}, which other machines can reach. rr's RPC has no authentication: ` +
    'anyone who connects can reset workers, push jobs and read or change KV and locks.\n' +
    'Bind it to loopback in .rr.yaml: rpc:\n  listen: tcp://127.0.0.1:6001'
  )
}
