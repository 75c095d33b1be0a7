/**
 * centrifugoHandler without rr: frames are built and replies read with protobufjs loaded from rr's
 * own proxy.proto (roadrunner-server/api v4.24.0 in the Go module cache), an independent check of
 * the field names and numbers in proto/centrifugo/proxy/v1/proxy.proto.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import protobuf from 'protobufjs'
import { FLAG_CODEC_PROTO, FLAG_ERROR, type Frame } from '../../src/goridge/index.js'
import { createMemoryRelayPair } from '../../src/relay/index.js'
import { Worker } from '../../src/worker/index.js'
import {
  centrifugoHandler,
  decodeProxyFrame,
  reply,
  ProxyDisconnect,
  ProxyError,
  type CentrifugoHandlers,
} from '../../src/centrifugo/index.js'

let upstream: protobuf.Root

function modCache(): string {
  try {
    return execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim()
  } catch {
    return join(process.env.HOME ?? '/root', 'go', 'pkg', 'mod')
  }
}

beforeAll(() => {
  const file = join(modCache(), 'github.com/roadrunner-server/api/v4@v4.24.0/proto/centrifugo/proxy/v1/proxy.proto')
  if (!existsSync(file)) throw new Error(`${file} is missing: run bash scripts/build-rr (it fills the Go module cache)`)
  upstream = protobuf.parse(readFileSync(file, 'utf8'), { keepCase: true }).root
})

const T = (name: string) => upstream.lookupType(`centrifugal.centrifugo.proxy.${name}`)

function setup(handlers: CentrifugoHandlers) {
  const [rrSide, workerSide] = createMemoryRelayPair()
  const received: Frame[] = []
  const waiters: Array<() => void> = []
  rrSide.start({
    frame: (f) => {
      received.push({ ...f, payload: Buffer.from(f.payload), options: [...f.options] })
      waiters.splice(0).forEach((w) => w())
    },
    close: () => {},
  })
  const worker = new Worker(workerSide, { pid: 1, log: () => {} })
  const errors: unknown[] = []
  const handle = centrifugoHandler({ onError: (e) => errors.push(e), ...handlers })
  /** Sends one frame as rr does and returns the frame the worker answered with. */
  const exchange = async (context: unknown, body: Uint8Array): Promise<Frame> => {
    const n = received.length
    const ctx = Buffer.from(typeof context === 'string' ? context : JSON.stringify(context))
    await handle({ context: ctx, body: Buffer.from(body), codec: FLAG_CODEC_PROTO }, worker)
    while (received.length <= n) await new Promise<void>((r) => waiters.push(r))
    return received[n]!
  }
  /** A typed event: request encoded with the upstream proto, reply decoded with it. */
  const event = async (type: string, message: string, request: object) => {
    const frame = await exchange({ 'content-type': ['application/grpc'], type: [type] }, T(`${message}Request`).encode(T(`${message}Request`).fromObject(request)).finish())
    expect(frame.flags & FLAG_ERROR).toBe(0)
    const split = frame.options[0] ?? 0
    const res = T(`${message}Response`)
    return res.toObject(res.decode(frame.payload.subarray(split)), { longs: Number, defaults: false, bytes: String }) as Record<string, any>
  }
  return { exchange, event, errors }
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64')

describe('decoding', () => {
  it('decodes every request field rr sends, by its upstream number', () => {
    const body = T('RPCRequest').encode(T('RPCRequest').fromObject({
      client: 'c1', transport: 'websocket', protocol: 'json', encoding: 'json', user: 'u1', method: 'm', data: Buffer.from('{"a":1}'), b64data: 'x', meta: Buffer.from('{}'),
    })).finish()
    const frame = decodeProxyFrame({ context: Buffer.from('{"type":["rpc"],"x-id":["7"]}'), body: Buffer.from(body) })
    expect(frame.type).toBe('rpc')
    expect(frame.metadata['x-id']).toEqual(['7'])
    expect(frame.request).toMatchObject({ client: 'c1', transport: 'websocket', protocol: 'json', encoding: 'json', user: 'u1', method: 'm', b64data: 'x' })
    expect(Buffer.from((frame.request as { data: Uint8Array }).data).toString()).toBe('{"a":1}')
  })

  it('takes the type rr appends last, after a forwarded header of the same name', () => {
    const frame = decodeProxyFrame({ context: Buffer.from('{"type":["spoofed","subscribe"]}'), body: Buffer.alloc(0) })
    expect(frame.type).toBe('subscribe')
  })

  it('fills defaults for an empty body (every field present)', () => {
    const frame = decodeProxyFrame({ context: Buffer.from('{"type":["connect"]}'), body: Buffer.alloc(0) })
    expect(frame.request).toMatchObject({ client: '', channels: [], name: '' })
  })
})

describe('replies', () => {
  it('connect: result fields with JSON data/info and a number expire_at', async () => {
    const t = setup({
      onConnect: (req, ctx) => reply.result({ user: `u-${ctx.data<{ id: number }>()!.id}`, expire_at: 1_900_000_000, data: { hi: req.name }, channels: ['a'] }),
    })
    const res = await t.event('connect', 'Connect', { name: 'js', data: Buffer.from('{"id":5}') })
    expect(res.result).toMatchObject({ user: 'u-5', expire_at: 1_900_000_000, channels: ['a'] })
    expect(Buffer.from(res.result.data, 'base64').toString()).toBe('{"hi":"js"}')
  })

  it('error and disconnect replies, returned or thrown', async () => {
    const t = setup({
      onSubscribe: (req) => (req.channel === 'a' ? reply.error(403, 'no', true) : reply.disconnect(4501, 'bye')),
      onPublish: () => {
        throw new ProxyError(418, 'teapot')
      },
      onRPC: () => {
        throw new ProxyDisconnect(4000, 'again')
      },
    })
    expect(await t.event('subscribe', 'Subscribe', { channel: 'a' })).toEqual({ error: { code: 403, message: 'no', temporary: true } })
    expect(await t.event('subscribe', 'Subscribe', { channel: 'b' })).toEqual({ disconnect: { code: 4501, reason: 'bye' } })
    expect(await t.event('publish', 'Publish', { channel: 'c' })).toEqual({ error: { code: 418, message: 'teapot' } })
    expect(await t.event('rpc', 'RPC', { method: 'x' })).toEqual({ disconnect: { code: 4000, reason: 'again' } })
    expect(t.errors).toEqual([])
  })

  it('no reply means an empty response (subscribe: allowed)', async () => {
    const t = setup({ onSubscribe: () => undefined })
    expect(await t.event('subscribe', 'Subscribe', { channel: 'a' })).toEqual({})
  })

  it('refresh and sub_refresh results', async () => {
    const t = setup({
      onRefresh: (req) => reply.result({ expired: req.user === 'gone', expire_at: 10 }),
      onSubRefresh: () => reply.result({ expired: true }),
    })
    expect((await t.event('refresh', 'Refresh', { user: 'gone' })).result).toEqual({ expired: true, expire_at: 10 })
    expect((await t.event('subrefresh', 'SubRefresh', { channel: 'x' })).result).toEqual({ expired: true })
  })

  it('a throwing handler yields a temporary internal error and is reported', async () => {
    const t = setup({ onRPC: () => { throw new Error('boom') } })
    expect(await t.event('rpc', 'RPC', { method: 'x' })).toEqual({ error: { code: 100, message: 'internal server error', temporary: true } })
    expect(String(t.errors[0])).toContain('boom')
  })

  it('a streamed reply is refused with an error that says rr cannot stream it', async () => {
    const t = setup({
      onRPC: () =>
        (async function* () {
          yield reply.result({ data: 1 })
        })() as never,
    })
    expect((await t.event('rpc', 'RPC', { method: 'x' })).error).toMatchObject({ code: 100 })
    expect(String(t.errors[0])).toMatch(/does not support streaming replies.*Return one reply object/)
  })

  it('a malformed reply object is reported with what to return instead', async () => {
    const t = setup({ onRPC: () => ({ data: { x: 1 } }) as never, onPublish: () => ({ result: {}, error: { code: 1, message: '' } }) as never })
    expect((await t.event('rpc', 'RPC', { method: 'x' })).error).toMatchObject({ code: 100 })
    expect(String(t.errors[0])).toMatch(/keys \[data\].*wrap your result/)
    await t.event('publish', 'Publish', {})
    expect(String(t.errors[1])).toMatch(/exactly one of result, error, disconnect/)
  })

  it('an event without a handler answers 108 not available', async () => {
    const t = setup({})
    expect(await t.event('publish', 'Publish', { channel: 'x' })).toEqual({ error: { code: 108, message: 'not available' } })
  })
})

describe('bad frames get an error frame naming the problem; the worker goes on', () => {
  it.each([
    ['not JSON context', 'nope', /context is not JSON/],
    ['no type', { 'x-a': ['1'] }, /no "type" key/],
    ['unknown type', { type: ['teleport'] }, /unknown centrifuge event type "teleport"/],
  ])('%s', async (_name, context, message) => {
    const t = setup({ onRPC: () => reply.result({ data: { ok: true } }) })
    const frame = await t.exchange(context, Buffer.alloc(0))
    expect(frame.flags & FLAG_ERROR).toBe(FLAG_ERROR)
    expect(frame.payload.toString()).toMatch(message)
    expect((await t.event('rpc', 'RPC', { method: 'x' })).result.data).toBe(json({ ok: true }))
  })

  it('a body that is not the request message', async () => {
    const t = setup({})
    const frame = await t.exchange({ type: ['rpc'] }, Buffer.from([0x0a, 0xff]))
    expect(frame.flags & FLAG_ERROR).toBe(FLAG_ERROR)
    expect(frame.payload.toString()).toMatch(/not a valid centrifugal\.centrifugo\.proxy\.RPCRequest/)
  })
})
