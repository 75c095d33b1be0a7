/**
 * One conformance suite for every relay transport (memory pair, tcp, unix): frames of every size
 * arrive intact and in order in both directions, large payloads respect backpressure, and closing
 * one side closes the other.
 */
import { mkdtempSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { GoridgeError, type Frame } from '../../src/goridge/index.js'
import { PassThrough } from 'node:stream'
import { StreamRelay, createMemoryRelayPair, createSocketRelay, parseSocketAddress, type Relay } from '../../src/relay/index.js'
import { freePort } from '../helpers/rr.js'

type Pair = { a: Relay; b: Relay; cleanup(): Promise<void> }

async function socketPair(dsn: string): Promise<Pair> {
  const addr = parseSocketAddress(dsn)
  let server: Server
  const accepted = new Promise<StreamRelay>((resolve) => {
    server = createServer((s) => resolve(new StreamRelay(addr.kind, s, s)))
  })
  await new Promise<void>((r) => (addr.kind === 'unix' ? server!.listen(addr.path!, r) : server!.listen(addr.port!, addr.host!, r)))
  const a = await createSocketRelay(dsn)
  const b = await accepted
  return { a, b, cleanup: () => new Promise<void>((r) => server.close(() => r())) }
}

const transports: Record<string, () => Promise<Pair>> = {
  memory: async () => {
    const [a, b] = createMemoryRelayPair()
    return { a, b, cleanup: async () => {} }
  },
  tcp: async () => socketPair(`tcp://127.0.0.1:${await freePort()}`),
  unix: async () => socketPair(`unix://${join(mkdtempSync(join(tmpdir(), 'pionia-relay-')), 'r.sock')}`),
}

function collect(r: Relay) {
  const frames: Frame[] = []
  let closed: { error?: Error } | null = null
  const waiters: Array<() => void> = []
  r.start({
    frame: (f) => {
      frames.push({ ...f, payload: Buffer.from(f.payload), options: [...f.options] })
      waiters.splice(0).forEach((w) => w())
    },
    close: (error) => {
      closed = { error }
      waiters.splice(0).forEach((w) => w())
    },
  })
  return {
    frames,
    closed: () => closed,
    async until(pred: () => boolean) {
      while (!pred()) await new Promise<void>((res) => waiters.push(res))
    },
  }
}

describe.each(Object.keys(transports))('%s relay', (name) => {
  let pair: Pair | undefined
  afterEach(async () => {
    await pair?.a.close().catch(() => {})
    await pair?.b.close().catch(() => {})
    await pair?.cleanup()
    pair = undefined
  })

  it('delivers frames of every size intact and in order, both ways', async () => {
    pair = await transports[name]!()
    const inA = collect(pair.a)
    const inB = collect(pair.b)
    const sizes = [0, 1, 100, 65_536, 65_537, 1_000_000, 5_000_000]
    for (const [i, size] of sizes.entries()) {
      const payload = Buffer.alloc(size)
      for (let j = 0; j < size; j += 4093) payload[j] = (i * 31 + j) & 0xff
      await pair.a.send({ flags: 0x80, options: [i, size], byte10: i % 2, payload: [payload.subarray(0, size >> 1), payload.subarray(size >> 1)] })
      await pair.b.send({ flags: 0x04, options: [i], payload })
    }
    await inB.until(() => inB.frames.length === sizes.length)
    await inA.until(() => inA.frames.length === sizes.length)
    for (const [i, size] of sizes.entries()) {
      const f = inB.frames[i]!
      expect(f.options).toEqual([i, size])
      expect(f.byte10).toBe(i % 2)
      expect(f.payload.length).toBe(size)
      for (let j = 0; j < size; j += 4093) expect(f.payload[j]).toBe((i * 31 + j) & 0xff)
      expect(inA.frames[i]!.payload.length).toBe(size)
    }
  })

  it('closes the other side when one side closes', async () => {
    pair = await transports[name]!()
    const inB = collect(pair.b)
    collect(pair.a)
    await pair.a.close()
    await inB.until(() => inB.closed() !== null)
    expect(inB.closed()!.error).toBeUndefined()
    await expect(pair.a.send({ payload: Buffer.from('x') })).rejects.toThrow(/closed/)
  })
})

describe('StreamRelay input that is not a frame stream', () => {
  it('closes with a typed CRC error that shows the text', async () => {
    const input = new PassThrough()
    const relay = new StreamRelay('pipes', input, new PassThrough())
    const seen = collect(relay)
    input.write('Could not open input file: worker.js\n')
    await seen.until(() => seen.closed() !== null)
    const err = seen.closed()!.error as GoridgeError
    expect(err).toBeInstanceOf(GoridgeError)
    expect(err.code).toBe('RR_ERR_BAD_CRC')
    expect(err.message).toContain('Could not o')
  })
})
