/**
 * tcp and unix relays. rr is the listener; the worker connects, retrying briefly because the
 * process may start before rr's accept loop is ready.
 * @module
 */
import { connect, type Socket } from 'node:net'
import { StreamRelay, type StreamRelayOptions } from './relay.js'

export interface SocketAddress {
  kind: 'tcp' | 'unix'
  host?: string
  port?: number
  path?: string
}

export interface ConnectOptions extends StreamRelayOptions {
  /** Connection attempts before giving up (default 20). */
  attempts?: number
  /** Delay between attempts in ms, doubling up to 500 ms (default 25). */
  delayMs?: number
}

/**
 * Parses `tcp://host:port` or `unix://path` (rr's DSN forms). Throws a message naming the fix.
 */
export function parseSocketAddress(dsn: string): SocketAddress {
  const m = /^(tcp|unix):\/\/(.+)$/.exec(dsn.trim())
  if (!m) throw new Error(`invalid relay address "${dsn}": use pipes, tcp://host:port or unix://path`)
  if (m[1] === 'unix') return { kind: 'unix', path: m[2]! }
  const hp = m[2]!
  const i = hp.lastIndexOf(':')
  const port = Number(hp.slice(i + 1))
  if (i < 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`invalid tcp address "${dsn}": expected tcp://host:port with a port between 1 and 65535`)
  }
  let host = hp.slice(0, i)
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1)
  return { kind: 'tcp', host: host || '127.0.0.1', port }
}

/** Opens a socket to `address`, retrying on ECONNREFUSED/ENOENT. */
export async function connectSocket(address: SocketAddress, options: ConnectOptions = {}): Promise<Socket> {
  const attempts = options.attempts ?? 20
  let delay = options.delayMs ?? 25
  let lastError: Error | undefined
  for (let i = 0; i < attempts; i++) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const s =
          address.kind === 'unix' ? connect({ path: address.path! }) : connect({ host: address.host!, port: address.port! })
        s.once('connect', () => {
          s.off('error', reject)
          s.setNoDelay(true)
          resolve(s)
        })
        s.once('error', reject)
      })
    } catch (err) {
      lastError = err as Error
      await new Promise((r) => setTimeout(r, delay))
      delay = Math.min(delay * 2, 500)
    }
  }
  const where = address.kind === 'unix' ? `unix://${address.path}` : `tcp://${address.host}:${address.port}`
  throw new SocketConnectError(where, attempts, lastError?.message ?? 'unknown error')
}

/** The socket could not be opened; `reason` is the last system error (ECONNREFUSED, ENOENT, …). */
export class SocketConnectError extends Error {
  override readonly name = 'SocketConnectError'
  readonly address: string
  readonly reason: string
  constructor(address: string, attempts: number, reason: string) {
    super(`cannot connect to ${address} after ${attempts} attempts: ${reason}. Is rr running and listening there?`)
    this.address = address
    this.reason = reason
  }
}

/** Connects to rr's relay socket and wraps it in a relay. */
export async function createSocketRelay(dsn: string, options: ConnectOptions = {}): Promise<StreamRelay> {
  const address = parseSocketAddress(dsn)
  const socket = await connectSocket(address, options)
  return new StreamRelay(address.kind, socket, socket, options)
}
