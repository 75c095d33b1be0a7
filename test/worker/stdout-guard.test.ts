/**
 * The stdout guard, tested the pino way: a forked child that is the worker, with our test playing
 * rr's side of the pipes (frames on stdin); every byte the child writes to stdout must decode as a
 * frame, and user output must arrive on stderr. (rr itself runs the same worker in
 * test/e2e/worker-protocol.test.ts.)
 */
import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import {
  FLAG_CODEC_JSON,
  FLAG_CODEC_PROTO,
  FLAG_CONTROL,
  FrameDecoder,
  encodeFrame,
  type Frame,
} from '../../src/goridge/index.js'
import { decodeResponseContext, encodeRequestContext } from '../../src/http/codec.js'
import { ROOT, TSX_LOADER } from '../helpers/rr.js'

function runChild(env: Record<string, string | undefined>, input: Buffer[], closeAfterMs = 0) {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, 'test/fixtures/workers/protocol-worker.ts'], {
    cwd: ROOT,
    env: { ...process.env, RR_RELAY: undefined, RR_MODE: undefined, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const stdout: Buffer[] = []
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => stdout.push(d))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  for (const b of input) child.stdin.write(b)
  if (closeAfterMs >= 0) setTimeout(() => child.stdin.end(), closeAfterMs)
  return new Promise<{ code: number | null; stdout: Buffer; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stdout: Buffer.concat(stdout), stderr })),
  )
}

function request(path: string): Buffer {
  const ctx = encodeRequestContext({ method: 'GET', uri: `http://localhost${path}`, protocol: 'HTTP/1.1' })
  return encodeFrame({ flags: FLAG_CODEC_PROTO, options: [ctx.length], payload: [ctx] })
}

describe('stdout guard on the pipes relay', () => {
  it('sends console.log, console.info and process.stdout.write to stderr; stdout holds only frames', async () => {
    const pidRequest = encodeFrame({ flags: FLAG_CONTROL | FLAG_CODEC_JSON, payload: Buffer.from('{"pid":1}') })
    const stop = encodeFrame({ flags: FLAG_CONTROL | FLAG_CODEC_JSON, payload: Buffer.from('{"stop":true}') })
    // rr's side: PID request, two requests, then the stop command; the worker exits by itself.
    const { code, stdout, stderr } = await runChild(
      { RR_RELAY: 'pipes', RR_MODE: 'http' },
      [pidRequest, request('/console'), request('/pid'), stop],
      -1,
    )
    expect(code).toBe(0)
    const frames: Frame[] = new FrameDecoder().push(stdout)
    expect(frames.length).toBe(3)
    expect(frames[0]!.flags & FLAG_CONTROL).toBe(FLAG_CONTROL)
    expect(JSON.parse(frames[0]!.payload.toString())).toEqual({ pid: expect.any(Number) })
    const pid = JSON.parse(frames[0]!.payload.toString()).pid as number
    for (const f of frames.slice(1)) {
      expect(f.flags).toBe(FLAG_CODEC_PROTO)
      expect(f.options).toHaveLength(1)
      expect(decodeResponseContext(f.payload.subarray(0, f.options[0])).status).toBe(200)
    }
    expect(frames[1]!.payload.subarray(frames[1]!.options[0]).toString()).toBe(`survived ${pid}`)
    expect(frames[2]!.payload.subarray(frames[2]!.options[0]).toString()).toBe(String(pid))
    expect(stderr).toContain('console.log from a pipes worker')
    expect(stderr).toContain('console.info from a pipes worker')
    expect(stderr).toContain('raw stdout write')
    expect(stderr.match(/stdout is the protocol channel/g)).toHaveLength(1)
  }, 30_000)

  it('refuses to run when started by hand, with the commands to use instead', async () => {
    const { code, stdout, stderr } = await runChild({}, [], 0)
    expect(code).toBe(1)
    expect(stdout.length).toBe(0)
    expect(stderr).toContain('This is a RoadRunner worker')
    expect(stderr).toContain('npx pionia runserver')
    expect(stderr).toContain('npx pionia serve')
  }, 30_000)
})
