/**
 * pionia/tcp behind the real rr's tcp plugin: connection events with server name, uuid and client
 * address; WRITE, WRITECLOSE, CONTINUE and CLOSE answers; messages split across packets and several
 * in one packet; concurrent connections; a client that goes away mid-message; bodies larger than
 * rr's read buffer; a handler that throws.
 */
import { connect, type Socket } from 'node:net'
import { mkdtempSync, readFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, nodeCommand, startRr, type RrInstance } from '../helpers/rr.js'
import { RpcClient, closeTcpConnection, informer } from '../../src/rpc/index.js'
import { waitFor } from '../helpers/process.js'

let rr: RrInstance
let linesPort: number
let crlfPort: number
let rpc: RpcClient
let eventsFile: string

interface Recorded {
  type: string
  server: string
  uuid: string
  remoteAddr: string
  pid: number
}

const events = (): Recorded[] =>
  existsSync(eventsFile)
    ? readFileSync(eventsFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Recorded)
    : []

/** A client that collects what the server sends and knows when the server closed. */
class Client {
  readonly socket: Socket
  received = ''
  closed = false
  /** The client's local port (kept: the socket forgets it once closed). */
  port = 0
  readonly #watchers = new Set<() => void>()
  constructor(port: number) {
    this.socket = connect({ host: '127.0.0.1', port })
    this.socket.setEncoding('utf8')
    this.socket.once('connect', () => {
      this.port = this.socket.localPort ?? 0
    })
    this.socket.on('data', (d: string) => {
      this.received += d
      this.#notify()
    })
    this.socket.on('close', () => {
      this.closed = true
      this.#notify()
    })
    this.socket.on('error', () => {})
  }
  #notify(): void {
    for (const w of this.#watchers) w()
  }
  /** Resolves once `predicate` holds (checked on every byte and on close). */
  until(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (predicate()) {
          this.#watchers.delete(check)
          clearTimeout(timer)
          resolve()
        }
      }
      const timer = setTimeout(() => {
        this.#watchers.delete(check)
        reject(new Error(`timed out waiting for ${what}; received so far: ${JSON.stringify(this.received)}, closed: ${this.closed}`))
      }, timeoutMs)
      this.#watchers.add(check)
      check()
    })
  }
  lines(): string[] {
    return this.received.split('\n').filter(Boolean)
  }
  async expectLines(n: number): Promise<string[]> {
    await this.until(() => this.lines().length >= n, `${n} lines`)
    return this.lines()
  }
  write(text: string): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(text, (err) => (err ? reject(err) : resolve())))
  }
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pionia-tcp-'))
  eventsFile = join(dir, 'events.jsonl')
  ;[linesPort, crlfPort] = [await freePort(), await freePort()]
  const rpcPort = await freePort()
  rr = await startRr({
    config: {
      rpc: { listen: `tcp://127.0.0.1:${rpcPort}` },
      server: { command: nodeCommand('test/fixtures/tcp/tcp-worker.ts').join(' '), relay: 'pipes' },
      tcp: {
        servers: {
          lines: { addr: `127.0.0.1:${linesPort}`, delimiter: '\n' },
          crlf: { addr: `127.0.0.1:${crlfPort}` },
        },
        read_buf_size: 1,
        pool: { num_workers: 2, allocate_timeout: '60s', destroy_timeout: '10s' },
      },
      logs: { mode: 'development', level: 'info' },
    },
    env: { TCP_EVENTS_FILE: eventsFile },
    waitForPort: linesPort,
  })
  rpc = new RpcClient(`tcp://127.0.0.1:${rpcPort}`)
  await waitFor(async () => (await informer(rpc).workers('tcp')).length === 2, 'two tcp workers', 60_000)
}, 90_000)

afterAll(async () => {
  await rpc?.close()
  await rr?.stop()
})

describe('tcp worker behind rr', () => {
  it('sends connected, data and close events with the server name, uuid and client address', async () => {
    const c = new Client(linesPort)
    expect(await c.expectLines(1)).toEqual(['HELLO lines'])
    await c.write('QUIT\n')
    await c.until(() => c.closed, 'the server to close after QUIT')
    expect(c.lines()).toEqual(['HELLO lines', 'BYE'])
    const port = c.port
    await waitFor(() => events().some((e) => e.type === 'close' && e.remoteAddr === `127.0.0.1:${port}`), 'the close event')
    const mine = events().filter((e) => e.remoteAddr === `127.0.0.1:${port}`)
    expect(mine.map((e) => e.type)).toEqual(['connected', 'data', 'close'])
    expect(new Set(mine.map((e) => e.uuid)).size).toBe(1)
    expect(mine[0]!.uuid).toMatch(/^[0-9a-f-]{36}$/)
    expect(mine.every((e) => e.server === 'lines')).toBe(true)
  })

  it('answers a message split across packets once it is whole, and several messages in one packet together', async () => {
    const c = new Client(linesPort)
    await c.expectLines(1)
    await c.write('PI')
    await new Promise<void>((r) => setImmediate(r))
    await c.write('NG\n')
    expect((await c.expectLines(2))[1]).toBe('PONG')
    await c.write('PING\nPING\nhello world\n')
    expect((await c.expectLines(5)).slice(2)).toEqual(['PONG', 'PONG', 'ECHO hello world'])
    // rr 2025.1.15's tcp plugin sends CLOSE when the client half-closes (EOF) but keeps its own side
    // open, so a client must close the socket itself.
    c.socket.end()
    await waitFor(() => events().some((e) => e.type === 'close' && e.remoteAddr === `127.0.0.1:${c.port}`), 'the close event after the client\'s FIN')
    expect(c.closed).toBe(false)
    c.socket.destroy()
  })

  it('uses each server its own delimiter (rr default \\r\\n)', async () => {
    const c = new Client(crlfPort)
    expect(await c.expectLines(1)).toEqual(['HELLO crlf'])
    await c.write('PING\r\nPING\r\n')
    expect((await c.expectLines(3)).slice(1)).toEqual(['PONG', 'PONG'])
    c.socket.destroy()
  })

  it('serves concurrent connections on both workers, each with its own uuid', async () => {
    const clients = Array.from({ length: 8 }, () => new Client(linesPort))
    await Promise.all(clients.map((c) => c.expectLines(1)))
    await Promise.all(clients.map((c) => c.write('PID\n')))
    const pids = await Promise.all(clients.map(async (c) => Number((await c.expectLines(2))[1])))
    const workerPids = (await informer(rpc).workers('tcp')).map((w) => w.pid)
    for (const pid of pids) expect(workerPids).toContain(pid)
    const ports = new Set(clients.map((c) => `127.0.0.1:${c.port}`))
    const uuids = new Set(events().filter((e) => e.type === 'connected' && ports.has(e.remoteAddr)).map((e) => e.uuid))
    expect(uuids.size).toBe(8)
    for (const c of clients) c.socket.destroy()
  })

  it('closes without an answer on CLOSE and survives a client that leaves mid-message', async () => {
    const c = new Client(linesPort)
    await c.expectLines(1)
    await c.write('DROP\n')
    await c.until(() => c.closed, 'the server to close after DROP')
    expect(c.lines()).toEqual(['HELLO lines'])

    const gone = new Client(linesPort)
    await gone.expectLines(1)
    await gone.write('half a mess')
    const port = gone.port
    gone.socket.destroy()
    await waitFor(() => events().some((e) => e.type === 'close' && e.remoteAddr === `127.0.0.1:${port}`), 'the close event of the client that left')
    // the pool still answers
    const next = new Client(linesPort)
    await next.expectLines(1)
    await next.write('PING\n')
    expect((await next.expectLines(2))[1]).toBe('PONG')
    next.socket.destroy()
  })

  it('takes a message larger than rr\'s read buffer (read_buf_size 1 MB) in one event', async () => {
    const c = new Client(linesPort)
    await c.expectLines(1)
    const big = 'x'.repeat(3 * 1024 * 1024 + 17)
    await c.write(big + '\n')
    expect((await c.expectLines(2))[1]).toBe(`ECHO xxxxxxxxxx...(${big.length})`)
    c.socket.destroy()
  })

  it('closes the connection when the handler throws, and the worker keeps its pid', async () => {
    const before = (await informer(rpc).workers('tcp')).map((w) => w.pid).sort()
    const c = new Client(linesPort)
    await c.expectLines(1)
    await c.write('BOOM\n')
    await c.until(() => c.closed, 'rr to close the connection after the handler threw')
    expect(c.lines()).toEqual(['HELLO lines'])
    await rr.waitForOutput(/boom: the handler failed on purpose/)
    const after = (await informer(rpc).workers('tcp')).map((w) => w.pid).sort()
    expect(after).toEqual(before)
    const ok = new Client(linesPort)
    await ok.expectLines(1)
    await ok.write('PING\n')
    expect((await ok.expectLines(2))[1]).toBe('PONG')
    ok.socket.destroy()
  })

  it('closes a connection from outside through the tcp.Close RPC', async () => {
    const c = new Client(linesPort)
    await c.expectLines(1)
    const port = c.port
    await waitFor(() => events().some((e) => e.type === 'connected' && e.remoteAddr === `127.0.0.1:${port}`), 'the connected event')
    const uuid = events().find((e) => e.type === 'connected' && e.remoteAddr === `127.0.0.1:${port}`)!.uuid
    expect(await closeTcpConnection(rpc, uuid)).toBe(true)
    await c.until(() => c.closed, 'rr to close the connection on tcp.Close')
  })
})
