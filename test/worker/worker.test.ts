/**
 * Worker protocol rules, driven through an in-memory relay pair (the test plays rr's side).
 * Compatibility with rr itself is covered by test/e2e/worker-protocol.test.ts.
 */
import { describe, expect, it, vi } from 'vitest'
import {
  FLAG_CODEC_JSON,
  FLAG_CODEC_PROTO,
  FLAG_CONTROL,
  FLAG_ERROR,
  STREAM_BIT_PONG,
  STREAM_BIT_STOP,
  STREAM_BIT_STREAM,
  type Frame,
} from '../../src/goridge/index.js'
import { createMemoryRelayPair } from '../../src/relay/index.js'
import { Worker, runWorker } from '../../src/worker/index.js'

function setup() {
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
  const logs: string[] = []
  const worker = new Worker(workerSide, { pid: 4242, log: (l) => logs.push(l) })
  const next = async (n: number) => {
    while (received.length < n) await new Promise<void>((r) => waiters.push(r))
    return received
  }
  const send = (flags: number, payload = '', options: number[] = [], byte10 = 0) =>
    rrSide.send({ flags, options, byte10, payload: Buffer.from(payload) })
  const request = (ctx: string, body: string) => send(FLAG_CODEC_PROTO, ctx + body, [Buffer.byteLength(ctx)])
  return { rrSide, worker, received, next, send, request, logs }
}

describe('Worker', () => {
  it('answers the PID request with a CONTROL frame carrying its pid and no options', async () => {
    const t = setup()
    await t.send(FLAG_CONTROL | FLAG_CODEC_JSON, '{"pid":1}')
    const [reply] = await t.next(1)
    expect(reply!.flags & FLAG_CONTROL).toBe(FLAG_CONTROL)
    expect(reply!.options).toEqual([])
    expect(JSON.parse(reply!.payload.toString())).toEqual({ pid: 4242 })
  })

  it('splits context and body at option[0] and replies with exactly one option', async () => {
    const t = setup()
    await t.request('CTX', 'BODY')
    const p = await t.worker.waitPayload()
    expect(p!.context.toString()).toBe('CTX')
    expect(p!.body.toString()).toBe('BODY')
    expect(p!.codec).toBe(FLAG_CODEC_PROTO)
    await t.worker.respond({ codec: FLAG_CODEC_PROTO, context: Buffer.from('rc'), body: [Buffer.from('a'), Buffer.from('b')] })
    const [r] = await t.next(1)
    expect(r!.flags).toBe(FLAG_CODEC_PROTO)
    expect(r!.options).toEqual([2])
    expect(r!.byte10).toBe(0)
    expect(r!.payload.toString()).toBe('rcab')
  })

  it('sends an error as an ERROR frame with the message and no options', async () => {
    const t = setup()
    await t.worker.error('it broke')
    const [r] = await t.next(1)
    expect(r!.flags).toBe(FLAG_ERROR)
    expect(r!.options).toEqual([])
    expect(r!.payload.toString()).toBe('it broke')
  })

  it('ignores stale STOP and PONG frames while idle', async () => {
    const t = setup()
    await t.send(0, '', [], STREAM_BIT_STOP)
    await t.send(0, '', [], STREAM_BIT_PONG)
    await t.request('', 'real')
    const p = await t.worker.waitPayload()
    expect(p!.body.toString()).toBe('real')
  })

  it('reports STOP during a stream and lets the worker end it with a final frame', async () => {
    const t = setup()
    let stopped = 0
    await t.worker.respond({ codec: FLAG_CODEC_PROTO, body: Buffer.from('1'), stream: true })
    t.worker.onStreamStop(() => stopped++)
    await t.send(0, '', [], STREAM_BIT_STOP)
    await new Promise((r) => setTimeout(r, 20))
    expect(t.worker.streamStopped).toBe(true)
    expect(stopped).toBe(1)
    await t.worker.endStream(FLAG_CODEC_PROTO)
    const frames = await t.next(2)
    expect(frames[0]!.byte10).toBe(STREAM_BIT_STREAM)
    expect(frames[1]!.byte10).toBe(0)
    expect(frames[1]!.options).toEqual([0])
    expect(t.worker.streamStopped).toBe(false)
  })

  it('asks for a restart with the {"stop":true} context and an empty body', async () => {
    const t = setup()
    await t.worker.requestRestart()
    const [r] = await t.next(1)
    expect(r!.options).toEqual([13])
    expect(r!.payload.toString()).toBe('{"stop":true}')
  })

  it('ends waitPayload with null on the stop command', async () => {
    const t = setup()
    const waiting = t.worker.waitPayload()
    await t.send(FLAG_CONTROL | FLAG_CODEC_JSON, '{"stop":true}')
    expect(await waiting).toBeNull()
    expect(await t.worker.waitPayload()).toBeNull()
  })

  it('logs and ignores an unknown control frame and a request without exactly one option', async () => {
    const t = setup()
    await t.send(FLAG_CONTROL | FLAG_CODEC_JSON, '{"hello":1}')
    await t.send(FLAG_CODEC_PROTO, 'abc', [1, 2])
    await t.request('', 'after')
    expect((await t.worker.waitPayload())!.body.toString()).toBe('after')
    expect(t.logs.join('\n')).toMatch(/undefined control package/)
    expect(t.logs.join('\n')).toMatch(/2 options/)
  })

  it('runWorker answers a throwing handler with an error frame and serves the next request', async () => {
    const t = setup()
    const seen: string[] = []
    const loop = runWorker(
      async (p, w) => {
        seen.push(p.body.toString())
        if (p.body.toString() === 'bad') throw new Error('handler exploded')
        await w.respond({ body: p.body })
      },
      { worker: t.worker, exit: false },
    )
    await t.request('', 'bad')
    await t.request('', 'good')
    const frames = await t.next(2)
    expect(frames[0]!.flags).toBe(FLAG_ERROR)
    expect(frames[0]!.payload.toString()).toBe('handler exploded')
    expect(frames[1]!.payload.toString()).toBe('good')
    await t.send(FLAG_CONTROL | FLAG_CODEC_JSON, '{"stop":true}')
    await loop
    expect(seen).toEqual(['bad', 'good'])
  })

  it('stops the loop when the relay closes', async () => {
    const t = setup()
    let calls = 0
    const exitCode = process.exitCode
    const loop = runWorker(async () => void calls++, { worker: t.worker, exit: false })
    await t.rrSide.close()
    // resolves (not rejects), without calling the handler or marking the process as failed
    await expect(loop).resolves.toBeUndefined()
    expect(calls).toBe(0)
    expect(process.exitCode).toBe(exitCode)
  })

  it("runWorker ends a handler that hangs past stopGraceMs after rr's stop command: logs it and runs the shutdown hook", async () => {
    const t = setup()
    const lines: string[] = []
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => (lines.push(String(chunk)), true))
    try {
      let shutdown!: () => void
      const hookRan = new Promise<void>((r) => (shutdown = r))
      let handling!: () => void
      const started = new Promise<void>((r) => (handling = r))
      void runWorker(
        async () => {
          handling()
          await new Promise(() => {})
        },
        { worker: t.worker, exit: false, stopGraceMs: 50, onShutdown: () => shutdown() },
      )
      await t.request('', 'stuck')
      await started
      await t.send(FLAG_CONTROL | FLAG_CODEC_JSON, '{"stop":true}')
      await hookRan
      expect(lines.join('')).toMatch(/a handler was still running 50 ms after rr stopped this worker .*: ending the worker.*exec_ttl/)
    } finally {
      spy.mockRestore()
    }
  })

  it('runWorker without a stuck handler: the stop ends the loop at once and the grace timer never fires', async () => {
    const t = setup()
    const lines: string[] = []
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => (lines.push(String(chunk)), true))
    try {
      let release!: () => void
      const gate = new Promise<void>((r) => (release = r))
      const loop = runWorker(async (p, w) => {
        await gate
        await w.respond({ body: p.body })
      }, { worker: t.worker, exit: false, stopGraceMs: 30 })
      await t.request('', 'slow-but-fine')
      await t.send(FLAG_CONTROL | FLAG_CODEC_JSON, '{"stop":true}')
      release()
      await loop
      expect((await t.next(1))[0]!.payload.toString()).toBe('slow-but-fine')
      await new Promise((r) => setTimeout(r, 60))
      expect(lines.join('')).not.toContain('still running')
    } finally {
      spy.mockRestore()
    }
  })
})
