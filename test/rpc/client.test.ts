/**
 * The RPC client against rr's real rpc plugin: codecs, concurrent calls matched by seq, rr's errors
 * as typed errors, timeouts, and reconnecting after rr restarts.
 */
import { createServer, type Server, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  RpcClient,
  RpcConnectionError,
  RpcServiceError,
  RpcTimeoutError,
  informer,
  rrVersion,
} from '../../src/rpc/index.js'
import { freePort, nodeCommand, startRr, type RrInstance } from '../helpers/rr.js'

function config(httpPort: number, rpcPort: number) {
  return {
    rpc: { listen: `tcp://127.0.0.1:${rpcPort}` },
    server: { command: nodeCommand('test/fixtures/workers/protocol-worker.ts') },
    http: { address: `127.0.0.1:${httpPort}`, pool: { num_workers: 1 } },
    logs: { level: 'error' },
  }
}

describe('RpcClient against rr', () => {
  let rr: RrInstance
  let rpcPort: number
  let httpPort: number
  let client: RpcClient

  beforeAll(async () => {
    rpcPort = await freePort()
    httpPort = await freePort()
    rr = await startRr({ config: config(httpPort, rpcPort), waitForPort: rpcPort })
    client = new RpcClient(`tcp://127.0.0.1:${rpcPort}`, { timeoutMs: 10_000 })
  })
  afterAll(async () => {
    await client?.close()
    await rr?.stop()
  })

  it('calls with the JSON, msgpack and raw codecs', async () => {
    expect(await client.callJson('informer.List', true)).toEqual(['http'])
    expect(await client.callMsgpack('informer.List', true)).toEqual(['http'])
    const config = JSON.parse((await client.callRaw('rpc.Config', Buffer.alloc(0))).toString()) as Record<string, any>
    expect(config.http.address).toBe(`127.0.0.1:${httpPort}`)
  })

  it('matches 200 concurrent calls to their replies', async () => {
    const calls = Array.from({ length: 200 }, (_, i) =>
      i % 2 ? rrVersion(client) : informer(client).list().then((l) => l.join(',')),
    )
    const results = await Promise.all(calls)
    results.forEach((r, i) => expect(r).toBe(i % 2 ? '2025.1.15' : 'http'))
  })

  it("surfaces rr's errors as RpcServiceError with rr's message", async () => {
    const err = await client.callJson('nope.Missing', true).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RpcServiceError)
    expect((err as RpcServiceError).rrMessage).toContain("can't find service nope.Missing")
    expect((err as RpcServiceError).method).toBe('nope.Missing')
    // the connection survives an error reply
    expect(await rrVersion(client)).toBe('2025.1.15')
  })

  it('reconnects after rr restarts on the same address', async () => {
    expect(await rrVersion(client)).toBe('2025.1.15')
    await rr.stop()
    const down = await rrVersion(client).catch((e: unknown) => e)
    expect(down).toBeInstanceOf(RpcConnectionError)
    expect((down as Error).message).toMatch(/^cannot call rpc\.Version on rr at tcp:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED [^ ]+ \(3 attempts\)\. Is rr running with an rpc section/)
    expect((down as Error).message.match(/Is rr running/g)).toHaveLength(1)
    rr = await startRr({ config: config(httpPort, rpcPort), waitForPort: rpcPort })
    expect(await rrVersion(client)).toBe('2025.1.15')
  })
})

describe('RpcClient failures', () => {
  let silent: Server
  const sockets: Socket[] = []
  let port: number
  beforeAll(async () => {
    port = await freePort()
    // accepts connections and never answers: the only way to see a timeout deterministically
    silent = createServer((socket) => sockets.push(socket))
    await new Promise<void>((r) => silent.listen(port, '127.0.0.1', r))
  })
  afterAll(async () => {
    for (const s of sockets) s.destroy()
    await new Promise<void>((r) => silent.close(() => r()))
  })

  it('times out a call that gets no reply, with the method in the message', async () => {
    const c = new RpcClient(`tcp://127.0.0.1:${port}`)
    const err = await c.callJson('informer.List', true, { timeoutMs: 200 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RpcTimeoutError)
    expect((err as Error).message).toBe('rr did not answer informer.List within 200 ms')
    await c.close()
  })

  it('explains a refused connection', async () => {
    const c = new RpcClient(`tcp://127.0.0.1:${await freePort()}`, { connectAttempts: 1 })
    const err = await c.callJson('informer.List', true).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RpcConnectionError)
    expect((err as Error).message).toMatch(/cannot call informer\.List on rr at tcp:\/\/127\.0\.0\.1:\d+: .*rpc\.listen/)
  })

  it('rejects an address that is not tcp:// or unix://', async () => {
    const c = new RpcClient('http://127.0.0.1:6001')
    await expect(c.callJson('informer.List', true)).rejects.toThrow(/use pipes, tcp:\/\/host:port or unix:\/\/path/)
  })
})
