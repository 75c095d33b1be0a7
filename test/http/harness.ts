/**
 * Starts the real rr with an HTTP worker fixture on a loopback port picked at run time, and a few
 * helpers the HTTP tests share (curl, raw sockets, byte patterns).
 */
import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, nodeCommand, startRr, type RrInstance } from '../helpers/rr.js'

export interface HttpStack {
  rr: RrInstance
  port: number
  base: string
  /** A scratch directory the worker sees as $MARK_DIR. */
  markDir: string
  stop(): Promise<void>
}

export interface StackOptions {
  /** Extra keys merged into the `http` section (middleware, max_request_size, ssl, http2, ...). */
  http?: Record<string, unknown>
  /** Scheme of `base` (https when the http section has ssl). */
  scheme?: 'http' | 'https'
  /** Wait for this path instead of `/pid`. */
  readyPath?: string
  env?: Record<string, string>
  workers?: number
  /** Extra top-level sections of the rr config (e.g. `rpc`). */
  config?: Record<string, unknown>
}

/** rr + `fixture` (a worker file under test/fixtures/http) with `num_workers` 1 by default. */
export async function startHttpStack(fixture: string, options: StackOptions = {}): Promise<HttpStack> {
  const port = await freePort()
  const markDir = mkdtempSync(join(tmpdir(), 'pionia-http-mark-'))
  const scheme = options.scheme ?? 'http'
  const http: Record<string, unknown> = {
    address: `127.0.0.1:${port}`,
    middleware: [],
    pool: { num_workers: options.workers ?? 1, allocate_timeout: '60s', destroy_timeout: '10s' },
    ...options.http,
  }
  const base = scheme === 'https' ? `https://127.0.0.1:${(options.http?.ssl as { address: string }).address.split(':')[1]}` : `http://127.0.0.1:${port}`
  const rr = await startRr({
    config: {
      server: { command: nodeCommand(`test/fixtures/http/${fixture}`), env: { MARK_DIR: markDir, ...options.env } },
      http,
      logs: { level: 'info', mode: 'development' },
      ...options.config,
    },
    waitForPort: scheme === 'https' ? Number(base.split(':')[2]) : port,
  })
  // The port is open before the workers are ready: wait for a real answer.
  const deadline = Date.now() + 60_000
  for (;;) {
    const r = await curl([`${base}${options.readyPath ?? '/pid'}`, '-k', '-o', '/dev/null', '-w', '%{http_code}']).catch(() => '')
    if (r.trim() === '200') break
    if (Date.now() > deadline) throw new Error(`worker never answered 200 on ${base}; rr output:\n${rr.output()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  return { rr, port, base, markDir, stop: async () => void (await rr.stop()) }
}

/** Runs curl and resolves its stdout (rejects with stderr on a non-zero exit). */
export function curl(args: string[], input?: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('curl', ['-sS', ...args], { maxBuffer: 256 * 1024 * 1024, encoding: 'latin1' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`curl ${args.join(' ')} failed: ${stderr || err.message}`))
      else resolve(stdout)
    })
    if (input) child.stdin!.end(input)
  })
}

/** Deterministic bytes: byte i is (offset + i) % 251 (the fixtures' /stream uses the same rule). */
export function pattern(offset: number, size: number): Buffer<ArrayBuffer> {
  const b = Buffer.allocUnsafe(size) as Buffer<ArrayBuffer>
  for (let i = 0; i < size; i++) b[i] = (offset + i) % 251
  return b
}
