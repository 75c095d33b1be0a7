/**
 * rr's transport features in front of the worker, from .rr.yaml: TLS with HTTP/2 (a self-signed
 * certificate made with openssl here), h2c, the gzip middleware, max_request_size → 413, and
 * raw_body: true (the worker parses forms itself).
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../helpers/rr.js'
import { curl, startHttpStack, type HttpStack } from './harness.js'

let s: HttpStack
let tlsPort: number

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pionia-tls-'))
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
  ], { stdio: 'ignore' })
  tlsPort = await freePort()
  s = await startHttpStack('hono-worker.ts', {
    http: {
      middleware: ['gzip'],
      max_request_size: 1,
      ssl: { address: `127.0.0.1:${tlsPort}`, cert, key },
      http2: { h2c: true },
      raw_body: true,
    },
  })
})
afterAll(async () => {
  await s?.stop()
})

describe('rr transport features in front of the worker', () => {
  it('negotiates HTTP/2 over TLS (self-signed cert) and the worker sees HTTP/2.0 and https', async () => {
    const out = await curl(['--http2', '-k', `https://127.0.0.1:${tlsPort}/echo?x=1`, '-w', '\n%{http_version} %{http_code}'])
    const [body, meta] = [out.slice(0, out.lastIndexOf('\n')), out.slice(out.lastIndexOf('\n') + 1)]
    expect(meta).toBe('2 200')
    const e = JSON.parse(body)
    expect(e.protocol).toBe('HTTP/2.0')
    expect(e.url).toBe(`https://127.0.0.1:${tlsPort}/echo?x=1`)
  })

  it('speaks h2c (HTTP/2 without TLS, prior knowledge) on the plain address', async () => {
    const out = await curl(['--http2-prior-knowledge', `${s.base}/echo`, '-w', '\n%{http_version} %{http_code}'])
    expect(out.slice(out.lastIndexOf('\n') + 1)).toBe('2 200')
    expect(JSON.parse(out.slice(0, out.lastIndexOf('\n'))).protocol).toBe('HTTP/2.0')
  })

  it('compresses responses with the gzip middleware', async () => {
    const raw = await curl([`${s.base}/text?kb=64`, '-H', 'Accept-Encoding: gzip', '-D', '-', '-o', '-'])
    const split = raw.indexOf('\r\n\r\n')
    const head = raw.slice(0, split)
    expect(head).toMatch(/content-encoding: gzip/i)
    const body = gunzipSync(Buffer.from(raw.slice(split + 4), 'latin1')).toString()
    expect(body.length).toBeGreaterThanOrEqual(64 * 1024)
    expect(body.startsWith('All work and no play makes Jack a dull boy.\n')).toBe(true)
    expect(Buffer.byteLength(raw.slice(split + 4), 'latin1')).toBeLessThan(body.length / 10)
  })

  it('with raw_body: true, request.formData() parses the raw form: repeated keys and files kept', async () => {
    const url = await fetch(`${s.base}/form`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'tag=a&tag=b&name=Ann',
    })
    expect(await url.json()).toEqual({ form: null, entries: [['tag', 'a'], ['tag', 'b'], ['name', 'Ann']] })
    const fd = new FormData()
    fd.append('note', 'hi')
    fd.append('file', new File(['0123456789'], 'ten.txt', { type: 'text/plain' }))
    const multi = await fetch(`${s.base}/form`, { method: 'POST', body: fd })
    const sha = createHash('sha256').update('0123456789').digest('hex')
    expect(await multi.json()).toEqual({ form: null, entries: [['note', 'hi'], ['file', `file:ten.txt:10:${sha}`]] })
  })

  it('answers 413 from rr when the body is over max_request_size, and the worker is fine after', async () => {
    const pid = await (await fetch(`${s.base}/pid`)).text()
    const res = await fetch(`${s.base}/digest`, { method: 'POST', body: Buffer.alloc(2 * 1024 * 1024, 1) })
    expect(res.status).toBe(413)
    const ok = await fetch(`${s.base}/digest`, { method: 'POST', body: Buffer.alloc(1000, 1) })
    expect(((await ok.json()) as { length: number }).length).toBe(1000)
    expect(await (await fetch(`${s.base}/pid`)).text()).toBe(pid)
  })
})
