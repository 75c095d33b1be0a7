/**
 * A small HTTP/2 load client (node:http2) for the cluster: a few TLS sessions to nginx, many
 * concurrent streams, every request's outcome recorded (status, the node that answered from rr's
 * X-Pionia-Node header, time, error). A stream the server refused (RST_STREAM REFUSED_STREAM, or
 * above the last stream id of a GOAWAY when nginx reloads or stops a worker) was not processed, as
 * HTTP/2 guarantees (RFC 9113 §8.7), so it is sent again on a new session, whatever its method; those
 * resends are counted. Anything else is a failure and is never resent.
 */
import http2, { type ClientHttp2Session } from 'node:http2'
import { performance } from 'node:perf_hooks'

export interface H2Request {
  method: 'GET' | 'POST'
  path: string
  headers?: Record<string, string>
  body?: string
  /** Free label kept in the result (e.g. the task title). */
  tag?: string
}

export interface H2Result {
  seq: number
  method: 'GET' | 'POST'
  tag?: string
  /** ms (performance.now) when first sent / answered. */
  startedAt: number
  endedAt: number
  /** HTTP status, 0 when there was no answer (error or timeout). */
  status: number
  /** X-Pionia-Node of the answer. */
  node?: string
  body?: string
  error?: string
  timedOut?: boolean
  /** Times the stream was refused unprocessed and sent again. */
  resent: number
}

export interface LoadOptions {
  url: string
  ca: Buffer
  /** TLS sessions (HTTP/2 connections) to spread the streams over. */
  sessions: number
  /** Requests in flight at once. */
  concurrency: number
  /** The next request to send, or undefined to stop (called once per request, in order). */
  next(seq: number): H2Request | undefined
  /** Per-request deadline (default 20 s): past it the request counts as hung. */
  timeoutMs?: number
  onResult?(r: H2Result): void
}

type Attempt = { status: number; node?: string; body: string } | { refused: true } | { error: string; timedOut?: boolean }

const REFUSED = http2.constants.NGHTTP2_REFUSED_STREAM

function attempt(session: ClientHttp2Session, req: H2Request, timeoutMs: number): Promise<Attempt> {
  return new Promise((resolve) => {
    let done = false
    const finish = (a: Attempt) => {
      if (!done) {
        done = true
        resolve(a)
      }
    }
    let stream: http2.ClientHttp2Stream
    try {
      stream = session.request({ ':method': req.method, ':path': req.path, ...req.headers }, { endStream: req.body === undefined })
    } catch (err) {
      // The session is closing (GOAWAY) or gone: nothing was sent.
      return finish({ refused: true })
    }
    let status = 0
    let node: string | undefined
    const chunks: Buffer[] = []
    stream.setTimeout(timeoutMs, () => {
      finish({ error: `no answer within ${timeoutMs} ms`, timedOut: true })
      stream.close(http2.constants.NGHTTP2_CANCEL)
    })
    stream.on('response', (h) => {
      status = Number(h[':status'])
      node = h['x-pionia-node'] as string | undefined
    })
    stream.on('data', (d: Buffer) => chunks.push(d))
    stream.on('end', () => finish({ status, node, body: Buffer.concat(chunks).toString() }))
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (stream.rstCode === REFUSED || /REFUSED_STREAM|GOAWAY/.test(`${err.code} ${err.message}`)) finish({ refused: true })
      else finish({ error: `${err.code ?? ''} ${err.message}`.trim() })
    })
    stream.on('close', () => {
      if (stream.rstCode === REFUSED && status === 0) finish({ refused: true })
      else finish(status ? { status, node, body: Buffer.concat(chunks).toString() } : { error: `stream closed without an answer (rst ${stream.rstCode})` })
    })
    if (req.body !== undefined) stream.end(req.body)
  })
}

/** Runs until next() returns undefined and every request is answered (or failed). */
export async function runLoad(o: LoadOptions): Promise<H2Result[]> {
  const timeoutMs = o.timeoutMs ?? 20_000
  const pool: (ClientHttp2Session | undefined)[] = Array.from({ length: o.sessions }, () => undefined)
  const open = (i: number): ClientHttp2Session => {
    const cur = pool[i]
    if (cur && !cur.closed && !cur.destroyed && !(cur as { goawayReceived?: boolean }).goawayReceived) return cur
    const s = http2.connect(o.url, { ca: o.ca })
    const retire = () => {
      if (pool[i] === s) pool[i] = undefined
    }
    s.on('goaway', () => {
      ;(s as { goawayReceived?: boolean }).goawayReceived = true
      retire()
    })
    s.on('close', retire)
    s.on('error', retire)
    pool[i] = s
    return s
  }
  const results: H2Result[] = []
  let seq = 0
  let stop = false
  const loop = async (lane: number): Promise<void> => {
    while (!stop) {
      const n = seq++
      const req = o.next(n)
      if (!req) {
        stop = true
        return
      }
      const startedAt = performance.now()
      let resent = 0
      let a: Attempt
      for (;;) {
        a = await attempt(open((lane + resent) % o.sessions), req, timeoutMs)
        if (!('refused' in a) || resent >= 5) break
        resent++
      }
      const r: H2Result = { seq: n, method: req.method, tag: req.tag, startedAt, endedAt: performance.now(), status: 0, resent }
      if ('status' in a) Object.assign(r, { status: a.status, node: a.node, body: a.body })
      else if ('error' in a) Object.assign(r, { error: a.error, timedOut: a.timedOut })
      else r.error = 'refused 6 times'
      results.push(r)
      o.onResult?.(r)
    }
  }
  await Promise.all(Array.from({ length: o.concurrency }, (_, lane) => loop(lane)))
  for (const s of pool) s?.close()
  return results.sort((a, b) => a.seq - b.seq)
}

/** Counts per method: sent, 2xx, other statuses, errors, timeouts, resends, answers per node. */
export function summarize(results: H2Result[]) {
  const by = (m: 'GET' | 'POST') => {
    const rs = results.filter((r) => r.method === m)
    const statuses: Record<string, number> = {}
    for (const r of rs) if (r.status && (r.status < 200 || r.status >= 300)) statuses[r.status] = (statuses[r.status] ?? 0) + 1
    return {
      sent: rs.length,
      ok: rs.filter((r) => r.status >= 200 && r.status < 300).length,
      failed: rs.filter((r) => !(r.status >= 200 && r.status < 300)).length,
      statuses,
      errors: rs.filter((r) => r.status === 0 && !r.timedOut).length,
      timeouts: rs.filter((r) => r.timedOut).length,
      resent: rs.reduce((n, r) => n + r.resent, 0),
    }
  }
  const nodes: Record<string, number> = {}
  for (const r of results) if (r.node) nodes[r.node] = (nodes[r.node] ?? 0) + 1
  return { GET: by('GET'), POST: by('POST'), nodes }
}

/** One request on its own session (login, checks). Throws when there is no answer. */
export async function h2request(url: string, ca: Buffer, req: H2Request, timeoutMs = 20_000): Promise<{ status: number; node?: string; json: any }> {
  let sent = false
  const [r] = await runLoad({ url, ca, sessions: 1, concurrency: 1, timeoutMs, next: () => (sent ? undefined : ((sent = true), req)) })
  if (!r || !r.status) throw new Error(`${req.method} ${req.path} through nginx got no answer: ${r?.error}`)
  let json: any
  try {
    json = JSON.parse(r.body ?? '')
  } catch {
    json = undefined
  }
  return { status: r.status, node: r.node, json }
}

/** The JSON POST DeskFlow's API takes. */
export function apiPost(body: unknown, headers: Record<string, string> = {}, tag?: string): H2Request {
  return { method: 'POST', path: '/api/v1/', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), tag }
}
