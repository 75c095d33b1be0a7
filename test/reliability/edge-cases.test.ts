/**
 * Edge cases below the Moonlight layer, through the real rr: a response header carrying CR/LF from
 * client input is refused (500, nothing injected, same worker), an upload named `../../x` is never
 * used as a path, and a request frame with garbage protobuf context gets an error frame from the
 * DeskFlow worker, which then serves the next request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RpcClient, informer } from '../../src/rpc/index.js'
import { FrameDecoder, encodeFrame, FLAG_CODEC_PROTO, FLAG_CODEC_JSON, FLAG_CONTROL, FLAG_ERROR, type Frame } from '../../src/goridge/index.js'
import { encodeRequestContext, decodeResponseContext } from '../../src/http/index.js'
import { ROOT, TSX_LOADER, freePort, nodeCommand, startRr, type RrInstance } from '../helpers/rr.js'
import { waitFor } from '../helpers/process.js'
import { tempProject } from '../deskflow/project.js'

describe('edge cases through the real rr (edge-worker fixture)', () => {
  let rr: RrInstance
  let rpc: RpcClient
  let base: string
  let uploads: string

  beforeAll(async () => {
    const port = await freePort()
    const rpcPort = await freePort()
    const cwd = mkdtempSync(join(tmpdir(), 'pionia-edge-'))
    uploads = join(cwd, 'deep', 'uploads')
    mkdirSync(uploads, { recursive: true })
    base = `http://127.0.0.1:${port}`
    rr = await startRr({
      cwd,
      config: {
        rpc: { listen: `tcp://127.0.0.1:${rpcPort}` },
        server: { command: nodeCommand('test/fixtures/reliability/edge-worker.ts'), relay: 'pipes', env: { UPLOADS_DIR: uploads } },
        http: { address: `127.0.0.1:${port}`, uploads: { dir: uploads }, pool: { num_workers: 1, allocate_timeout: '60s', destroy_timeout: '10s' } },
        logs: { level: 'info', mode: 'development' },
      },
      waitForUrl: `${base}/`,
    })
    rpc = new RpcClient(`tcp://127.0.0.1:${rpcPort}`)
  })
  afterAll(async () => {
    await rpc?.close()
    await rr?.stop()
    if (rr) rmSync(rr.cwd, { recursive: true, force: true })
  })

  const pid = async () => (await informer(rpc).workers('http')).map((w) => w.pid)

  it('a response header with CR/LF is refused: 500, no injected header or body, same worker', async () => {
    const before = await pid()
    for (const path of ['/header', '/header-set']) {
      for (const v of ['a\r\nSet-Cookie: admin=1', 'a\nX-Injected: 1', 'a\r\n\r\n<script>x</script>', 'a\rb']) {
        const res = await fetch(`${base}${path}?v=${encodeURIComponent(v)}`)
        const text = await res.text()
        expect(res.status).toBe(500)
        expect(res.headers.get('set-cookie')).toBeNull()
        expect(res.headers.get('x-injected')).toBeNull()
        expect(res.headers.get('x-echo')).toBeNull()
        expect(text).not.toContain('<script>')
      }
      // a clean value still goes through
      const ok = await fetch(`${base}${path}?v=fine`)
      expect(ok.status).toBe(200)
      expect(ok.headers.get('x-echo')).toBe('fine')
    }
    expect(await pid()).toEqual(before)
    expect(rr.output()).toMatch(/invalid header value/)
  })

  it('an upload named ../../x is stored under an rr temp name; the client name is only a label', async () => {
    const before = await pid()
    const cwd = rr.cwd
    for (const name of ['../../escape.txt', '../../../../../../tmp/pionia-escape.txt', '..\\..\\escape-win.txt', '/etc/pionia-abs.txt']) {
      const form = new FormData()
      form.append('doc', new Blob(['payload-bytes'], { type: 'text/plain' }), name)
      const res = await fetch(`${base}/upload`, { method: 'POST', body: form })
      expect(res.status).toBe(200)
      const out = (await res.json()) as { files: { name: string; size: number; text: string }[]; stored: string[] }
      expect(out.files).toHaveLength(1)
      expect(out.files[0]!.text).toBe('payload-bytes')
      // whatever label the client gave, the stored file is rr's own name inside the uploads dir
      expect(out.stored.length).toBeGreaterThan(0)
      for (const s of out.stored) {
        expect(s).not.toContain('..')
        expect(s).not.toContain('escape')
        expect(s).not.toContain('pionia-abs')
      }
    }
    // nothing was written where the names point
    expect(existsSync(join(cwd, 'escape.txt'))).toBe(false)
    expect(existsSync(join(cwd, 'deep', 'escape.txt'))).toBe(false)
    expect(existsSync('/tmp/pionia-escape.txt')).toBe(false)
    expect(existsSync('/etc/pionia-abs.txt')).toBe(false)
    expect(readdirSync(cwd).filter((f) => f.includes('escape'))).toEqual([])
    // rr removes its temp files once it has written each response (after the client may already
    // have it): wait for that, then the folder must be empty
    await waitFor(() => readdirSync(uploads).length === 0, 'rr to remove its upload temp files', 10_000).catch(() => {})
    expect(readdirSync(uploads)).toEqual([])
    expect(await pid()).toEqual(before)
  })
})

describe('garbage protobuf in a request context (DeskFlow worker.ts over pipes)', () => {
  it('answers an error frame and serves the next request', async () => {
    const project = tempProject()
    const child = spawn(process.execPath, ['--import', TSX_LOADER, join(ROOT, 'worker.ts')], {
      cwd: project.root,
      env: { ...process.env, RR_RELAY: 'pipes', RR_MODE: 'http' },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    const decoder = new FrameDecoder()
    const frames: Frame[] = []
    const waiters: (() => void)[] = []
    child.stdout.on('data', (d: Buffer) => {
      for (const f of decoder.push(d)) frames.push({ ...f, payload: Buffer.from(f.payload) })
      for (const w of waiters.splice(0)) w()
    })
    const next = async (): Promise<Frame> => {
      const end = Date.now() + 30_000
      while (!frames.length) {
        if (child.exitCode !== null) throw new Error(`worker exited ${child.exitCode}: ${stderr}`)
        if (Date.now() > end) throw new Error(`no frame from the worker; stderr: ${stderr}`)
        await new Promise<void>((r) => {
          waiters.push(r)
          setTimeout(r, 200)
        })
      }
      return frames.shift()!
    }
    const request = (context: Buffer, body: Buffer) =>
      child.stdin.write(encodeFrame({ flags: FLAG_CODEC_PROTO, options: [context.length], payload: [context, body] }))
    try {
      child.stdin.write(encodeFrame({ flags: FLAG_CONTROL | FLAG_CODEC_JSON, payload: Buffer.from('{"pid":true}') }))
      const pidFrame = await next()
      expect(JSON.parse(pidFrame.payload.toString()).pid).toBe(child.pid)

      const garbage = [
        Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // varint too long
        Buffer.from([0x0a, 0xf0, 0xff, 0xff, 0x0f, 0x41]), // field 1, length far past the end
        Buffer.from([0x07, 0x01, 0x02]), // wire type 7 does not exist
        Buffer.from('definitely not protobuf at all'),
      ]
      for (const g of garbage) {
        request(g, Buffer.from('{}'))
        const f = await next()
        expect(f.flags & FLAG_ERROR).toBe(FLAG_ERROR)
        expect(f.payload.length).toBeGreaterThan(0)
        expect(child.exitCode).toBeNull()
      }

      const ctx = encodeRequestContext({
        remote_addr: '127.0.0.1',
        protocol: 'HTTP/1.1',
        method: 'GET',
        uri: 'http://127.0.0.1/api/v1/ping',
        header: { Accept: ['application/json'] },
      })
      request(ctx, Buffer.alloc(0))
      const ok = await next()
      expect(ok.flags & FLAG_ERROR).toBe(0)
      const split = ok.options[0]!
      const head = decodeResponseContext(ok.payload.subarray(0, split))
      expect(head.status).toBe(200)
      let body = ok.payload.subarray(split).toString()
      // a streamed body may arrive in further frames
      while (!body.includes('pong')) body += (await next()).payload.toString()
      expect(JSON.parse(body.slice(body.indexOf('{')))).toMatchObject({ returnCode: 0, returnMessage: 'pong' })
      expect(child.exitCode).toBeNull()
    } finally {
      child.stdin.write(encodeFrame({ flags: FLAG_CONTROL | FLAG_CODEC_JSON, payload: Buffer.from('{"stop":true}') }))
      await new Promise((r) => {
        const t = setTimeout(() => {
          child.kill('SIGKILL')
          r(null)
        }, 10_000)
        child.once('exit', () => {
          clearTimeout(t)
          r(null)
        })
      })
      project.cleanup()
    }
  })
})
