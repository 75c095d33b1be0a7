/**
 * Port probes without lsof: a bind test (is the address free for rr?) and a connect test (is
 * something answering?).
 * @module
 */
import { createServer, connect } from 'node:net'

export type PortState = 'free' | 'in-use' | 'not-local' | 'forbidden'

/** Tries to bind host:port the way rr will. */
export function probePort(host: string, port: number): Promise<PortState> {
  return new Promise((res) => {
    const server = createServer()
    server.once('error', (err: NodeJS.ErrnoException) => {
      res(err.code === 'EADDRINUSE' ? 'in-use' : err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' ? 'not-local' : err.code === 'EACCES' ? 'forbidden' : 'in-use')
    })
    server.listen({ host, port, exclusive: true }, () => server.close(() => res('free')))
  })
}

/** True when a TCP connection to host:port succeeds (0.0.0.0 and :: are probed on loopback). */
export function accepts(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  const target = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host
  return new Promise((res) => {
    const s = connect({ host: target, port })
    const done = (ok: boolean): void => {
      s.destroy()
      res(ok)
    }
    s.setTimeout(timeoutMs, () => done(false))
    s.once('connect', () => done(true))
    s.once('error', () => done(false))
  })
}

/** Polls until host:port accepts connections or `timeoutMs` passes (or `until` says stop). */
export async function waitAccepting(host: string, port: number, timeoutMs: number, until?: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (until?.()) return false
    if (await accepts(host, port, 500)) return true
    await new Promise((r) => setTimeout(r, 100))
  }
  return false
}
