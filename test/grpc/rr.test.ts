/**
 * pionia/grpc under the real rr (grpc plugin), called by @grpc/grpc-js: unary calls, metadata both
 * ways, status errors with details, deadlines, max_recv_msg_size, TLS, two workers, bad input.
 */
import * as grpc from '@grpc/grpc-js'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, nodeCommand, startRr, type RrInstance } from '../helpers/rr.js'
import { RpcClient, informer } from '../../src/rpc/index.js'
import { client, PROTO_DIR, root, statusDetails } from './client.js'

const WORKER = 'test/grpc/fixtures/worker.ts'

async function startGrpc(extra: Record<string, unknown> = {}, numWorkers = 2) {
  const port = await freePort()
  const rpcPort = await freePort()
  const rr = await startRr({
    config: {
      rpc: { listen: `tcp://127.0.0.1:${rpcPort}` },
      server: { command: nodeCommand(WORKER), relay: 'pipes' },
      logs: { level: 'info', mode: 'development' },
      grpc: {
        listen: `tcp://127.0.0.1:${port}`,
        proto: [join(PROTO_DIR, 'echo.proto')],
        max_recv_msg_size: 1,
        pool: { num_workers: numWorkers, allocate_timeout: '60s', destroy_timeout: '5s', supervisor: { exec_ttl: '20s' } },
        ...extra,
      },
      endure: { grace_period: '5s' },
    },
    waitForPort: port,
  })
  return { rr, port, rpc: new RpcClient(`tcp://127.0.0.1:${rpcPort}`) }
}

const grpcError = async (p: Promise<unknown>): Promise<grpc.ServiceError> => {
  try {
    await p
  } catch (err) {
    return err as grpc.ServiceError
  }
  throw new Error('the call succeeded; a status error was expected')
}

describe('pionia/grpc under rr, called by @grpc/grpc-js', () => {
  let s: Awaited<ReturnType<typeof startGrpc>>
  let c: ReturnType<typeof client>
  beforeAll(async () => {
    s = await startGrpc()
    c = client(`127.0.0.1:${s.port}`)
  }, 90_000)
  afterAll(async () => {
    c?.close()
    await s?.rpc.close()
    await s?.rr.stop()
  })

  it('answers a unary call with the handler result, int64 exact', async () => {
    const r = await c.call<{ text: string; n: string; pid: number; deadlineInMs: string }>('Echo', { text: 'héllo', n: '9007199254740993' })
    expect(r.message.text).toBe('héllo')
    expect(r.message.n).toBe('9007199254740993')
    expect(r.message.pid).toBeGreaterThan(0)
    // exec_ttl 20s: ctx.deadline is about 20 s after the call started
    expect(Number(r.message.deadlineInMs)).toBeGreaterThan(10_000)
    expect(Number(r.message.deadlineInMs)).toBeLessThanOrEqual(20_000)
  })

  it('round-trips metadata: request metadata in, response headers and trailers out', async () => {
    const r = await c.call<{ metadata: Record<string, string> }>('Echo', { text: 'md' }, { metadata: { 'x-request-id': 'abc-1', 'x-tenant': 't9' } })
    expect(r.message.metadata).toEqual({ 'x-request-id': 'abc-1', 'x-tenant': 't9' })
    expect(r.headers.get('x-echo-header')).toEqual(['md'])
    expect(r.trailers.get('x-echo-trailer')).toEqual(['test.v1.EchoService/Echo'])
    // the error field of rr's response context never leaks as a header
    expect(r.headers.get('error')).toEqual([])
  })

  it('a GrpcError reaches the client as its status, message, details and trailers', async () => {
    const err = await grpcError(c.call('Fail', { code: grpc.status.FAILED_PRECONDITION, message: 'task is archived', reason: 'ARCHIVED' }, { reqType: 'test.v1.FailRequest' }))
    expect(err.code).toBe(grpc.status.FAILED_PRECONDITION)
    expect(err.details).toBe('task is archived')
    expect(err.metadata.get('x-failed')).toEqual(['yes'])
    const st = statusDetails(err)
    expect(st.code).toBe(grpc.status.FAILED_PRECONDITION)
    expect(st.details).toHaveLength(1)
    expect(st.details[0]!.typeUrl).toBe('type.googleapis.com/test.v1.ErrorInfo')
    expect(root.lookupType('test.v1.ErrorInfo').toObject(root.lookupType('test.v1.ErrorInfo').decode(st.details[0]!.value))).toEqual({ reason: 'ARCHIVED', domain: 'pionia.test' })
  })

  it('a deadline shorter than the handler gives DEADLINE_EXCEEDED; the worker serves the next call', async () => {
    const err = await grpcError(c.call('Slow', { ms: 1500 }, { reqType: 'test.v1.SlowRequest', deadlineMs: 300 }))
    // Both ends time the same deadline: grpc-js's own timer gives DEADLINE_EXCEEDED; when grpc-go in rr
    // gets there first it resets the stream (RST_STREAM CANCEL), which grpc-js reports as CANCELLED.
    // Which one wins is a race on a loaded machine (seen in CI); either means the deadline ended the call.
    expect([grpc.status.DEADLINE_EXCEEDED, grpc.status.CANCELLED]).toContain(err.code)
    expect((await c.call<{ text: string }>('Echo', { text: 'after' })).message.text).toBe('after')
  })

  it('a message over max_recv_msg_size (1 MB) is RESOURCE_EXHAUSTED', async () => {
    const err = await grpcError(c.call('Echo', { text: 'big', blob: Buffer.alloc(1_100_000, 7) }))
    expect(err.code).toBe(grpc.status.RESOURCE_EXHAUSTED)
    const ok = await c.call<{ blobSize: number }>('Echo', { text: 'small', blob: Buffer.alloc(900_000, 7) })
    expect(ok.message.blobSize).toBe(900_000)
  })

  it('two workers serve two calls at once', async () => {
    // with exec_ttl set, rr kills the worker whose call passed the client's deadline (the deadline
    // test above) and starts another: wait until both workers are up and idle
    const idle = async () => {
      const ws = await informer(s.rpc).workers('grpc')
      return ws.length === 2 && ws.every((w) => w.statusStr === 'ready')
    }
    for (let t = Date.now(); !(await idle()); ) {
      if (Date.now() - t > 30_000) throw new Error('the grpc workers did not become ready')
      await new Promise((r) => setTimeout(r, 50))
    }
    const [a, b] = await Promise.all([
      c.call<{ pid: number }>('Slow', { ms: 700 }, { reqType: 'test.v1.SlowRequest' }),
      c.call<{ pid: number }>('Slow', { ms: 700 }, { reqType: 'test.v1.SlowRequest' }),
    ])
    expect(a.message.pid).not.toBe(b.message.pid)
    const pids = (await informer(s.rpc).workers('grpc')).map((w) => w.pid).sort()
    expect([a.message.pid, b.message.pid].sort()).toEqual(pids)
  })

  it('a handler that throws gives INTERNAL, is logged, and the worker process lives on', async () => {
    const before = (await informer(s.rpc).workers('grpc')).map((w) => w.pid).sort()
    for (let i = 0; i < 3; i++) {
      const err = await grpcError(c.call('Boom', { text: 'x' }))
      expect(err.code).toBe(grpc.status.INTERNAL)
      expect(err.details).toContain('test.v1.EchoService/Boom failed')
      expect(err.details).not.toContain('a bug in the handler') // the stack stays in the log
    }
    await s.rr.waitForOutput(/grpc: test\.v1\.EchoService\/Boom failed: Error: boom: a bug in the handler/)
    expect((await informer(s.rpc).workers('grpc')).map((w) => w.pid).sort()).toEqual(before)
  })

  it('an unknown method is UNIMPLEMENTED with the method named', async () => {
    const err = await grpcError(c.call('Nope', { text: 'x' }))
    expect(err.code).toBe(grpc.status.UNIMPLEMENTED)
    expect(err.details).toMatch(/unknown method Nope for service test\.v1\.EchoService/)
  })

  it('a body that is not the request type is INVALID_ARGUMENT, logged with the fix', async () => {
    const err = await grpcError(c.call('Echo', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f])))
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT)
    expect(err.details).toMatch(/^request body is not a test\.v1\.EchoRequest: /)
    await s.rr.waitForOutput(/request body is not a test\.v1\.EchoRequest.*the client must encode the request type/)
    expect((await c.call<{ text: string }>('Echo', { text: 'still fine' })).message.text).toBe('still fine')
  })
})

describe('pionia/grpc over TLS', () => {
  it('serves a call on a TLS grpc listener to a client that trusts the certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pionia-grpc-tls-'))
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' })
    const s = await startGrpc({ tls: { key: join(dir, 'key.pem'), cert: join(dir, 'cert.pem') } }, 1)
    const c = client(`localhost:${s.port}`, grpc.credentials.createSsl(readFileSync(join(dir, 'cert.pem'))))
    try {
      expect((await c.call<{ text: string }>('Echo', { text: 'over tls' })).message.text).toBe('over tls')
      const plain = client(`127.0.0.1:${s.port}`)
      const err = await grpcError(plain.call('Echo', { text: 'plain' }, { deadlineMs: 3000 }))
      expect(err.code).toBe(grpc.status.UNAVAILABLE)
      plain.close()
    } finally {
      c.close()
      await s.rpc.close()
      await s.rr.stop()
    }
  }, 90_000)
})

describe('pionia/grpc setup errors', () => {
  it('a proto file missing from disk: rr refuses to start and says which', async () => {
    await expect(startGrpc({ proto: ['no/such.proto'] }, 1)).rejects.toThrow(/proto file 'no\/such\.proto' does not exists/)
  }, 60_000)

  it('a glob that matches no file: the worker stops rr at startup naming .rr.yaml grpc.proto', async () => {
    await expect(startGrpc({ proto: ['nothing-here/*.proto'] }, 1)).rejects.toThrow(/proto file "nothing-here\/\*\.proto" listed in .*\.rr\.yaml grpc\.proto does not exist/)
  }, 60_000)
})
