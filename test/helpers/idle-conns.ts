/**
 * Idle HTTP clients for the connection-bound test and bench (test/reliability/idle-connections.test.ts,
 * bench/http/idle.ts): many loopback connections that hold a server's file descriptors without
 * asking for anything more, and a fresh request that shows whether the server still answers.
 *   keepalive  one complete GET answered, then the connection stays open (HTTP/1.1 keep-alive)
 *   slowloris  a request line and one header, never the blank line that ends the header
 *   silent     connected, nothing sent
 */
import { connect, type Socket } from 'node:net'
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'

export type IdleKind = 'keepalive' | 'slowloris' | 'silent'

export interface IdleHold {
  /** Connections in the state their kind asks for (keepalive: answered). */
  opened: number
  /** Connections that failed, or (keepalive) got no answer within the timeout. */
  failed: number
  /** Why they failed: `timeout` or the socket error code, with counts. */
  reasons: Record<string, number>
  /** Closes every connection. */
  close(): void
}

const REQUEST = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n'

/** One idle connection; resolves true once it is in its idle state, false when it failed. */
function openOne(port: number, kind: IdleKind, localAddress: string | undefined, timeoutMs: number, sockets: Set<Socket>): Promise<true | string> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port, localAddress })
    sockets.add(s)
    let done = false
    const finish = (ok: true | string): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      if (ok !== true) {
        sockets.delete(s)
        s.destroy()
      }
      resolve(ok)
    }
    const timer = setTimeout(() => finish(s.connecting ? 'connect timeout' : 'answer timeout'), timeoutMs)
    s.on('error', (err: NodeJS.ErrnoException) => finish(err.code ?? err.message))
    s.on('close', () => {
      sockets.delete(s)
      finish('closed')
    })
    s.once('connect', () => {
      if (kind === 'silent') return finish(true)
      if (kind === 'slowloris') return s.write(REQUEST, () => finish(true))
      s.write(`${REQUEST}\r\n`)
      s.once('data', (d: Buffer) => finish(d.toString('latin1', 0, 12).startsWith('HTTP/1.1 ') || 'not HTTP'))
    })
  })
}

/**
 * Opens `count` idle connections of `kind` to 127.0.0.1:port, `concurrency` at a time, from the
 * given loopback source addresses in turn (each has its own ephemeral port range).
 */
export async function holdIdle(
  port: number,
  count: number,
  kind: IdleKind,
  options: { sourceAddresses?: string[]; timeoutMs?: number; concurrency?: number } = {},
): Promise<IdleHold> {
  const sockets = new Set<Socket>()
  const sources = options.sourceAddresses ?? []
  const timeoutMs = options.timeoutMs ?? 5000
  let next = 0
  let opened = 0
  let failed = 0
  const reasons: Record<string, number> = {}
  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next++
      const got = await openOne(port, kind, sources.length ? sources[i % sources.length] : undefined, timeoutMs, sockets)
      if (got === true) opened++
      else {
        failed++
        reasons[got] = (reasons[got] ?? 0) + 1
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(count, options.concurrency ?? 200) }, lane))
  return {
    opened,
    failed,
    reasons,
    close() {
      for (const s of sockets) s.destroy()
      sockets.clear()
    },
  }
}

export interface Probe {
  ok: boolean
  status?: number
  ms: number
  error?: string
}

/** A fresh GET / on a new connection (a raw socket: fetch could reuse a pooled one), given `timeoutMs` to answer. */
export function probe(port: number, timeoutMs = 3000): Promise<Probe> {
  const t0 = performance.now()
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port })
    let got = ''
    const done = (p: Omit<Probe, 'ms'>): void => {
      clearTimeout(timer)
      s.destroy()
      resolve({ ...p, ms: Math.round(performance.now() - t0) })
    }
    const timer = setTimeout(() => done({ ok: false, error: `no answer within ${timeoutMs} ms` }), timeoutMs)
    s.on('error', (err: NodeJS.ErrnoException) => done({ ok: false, error: err.code ?? err.message }))
    s.once('connect', () => s.write(`${REQUEST}Connection: close\r\n\r\n`))
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1')
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got)
      if (m) done({ ok: m[1] === '200', status: Number(m[1]) })
    })
  })
}

/** Open file descriptors of `pid`: all of them, and how many are sockets. */
export function openFiles(pid: number): { total: number; sockets: number } {
  let total = 0
  let sockets = 0
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    total++
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++
    } catch {
      // closed while we looked
    }
  }
  return { total, sockets }
}

/** Resident memory of `pid` in MiB (VmRSS). */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Math.round(Number(m[1]) / 1024) : 0
}
