/**
 * node:http ↔ WHATWG: serves any `{ fetch(Request) }` handler (a Moonlight app) with Node's HTTP/1.1
 * server. Used by `npx pionia serve`; rr is not involved.
 * @module
 */
import type * as nodeHttp from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { lazyRequire } from '../util/lazy-require.js'
import { Readable } from 'node:stream'
import { INTERNAL_ERROR, NO_BODY_METHODS, responseBodyAllowed } from './status.js'

/** node:http loads with the first server created (a worker under rr never creates one). */
const http = lazyRequire<typeof nodeHttp>('node:http')

/** What the server calls: the Moonlight app, or any fetch-style handler. */
export interface Fetchable {
  fetch(request: Request): Response | Promise<Response>
}

/** One served request, for access logs. */
export interface AccessEntry {
  method: string
  uri: string
  status: number
  bytes: number
  elapsedMs: number
}

/** Options of createNodeServer. */
export interface NodeServerOptions {
  /** Largest accepted body in bytes (default 10 MB, like `http.max_request_size: 10`). */
  maxBodyBytes?: number
  onAccess?: (entry: AccessEntry) => void
  /** Called when the handler throws (it should not: Moonlight renders errors itself). */
  onError?: (err: unknown) => void
}

/** Builds the WHATWG Request for a node request. */
export function toWebRequest(req: IncomingMessage, fallbackHost: string): Request {
  const headers = new Headers()
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!)
  const url = `http://${req.headers.host ?? fallbackHost}${req.url ?? '/'}`
  const init: RequestInit & { duplex?: 'half' } = { method: req.method ?? 'GET', headers }
  if (!NO_BODY_METHODS.has(init.method!)) {
    init.body = Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>
    init.duplex = 'half'
  }
  return new Request(url, init)
}

/** Writes a WHATWG Response to a node response; returns the body size. */
export async function writeWebResponse(res: ServerResponse, response: Response, method: string): Promise<number> {
  const headers: Record<string, string | string[]> = {}
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value
  })
  const cookies = response.headers.getSetCookie()
  if (cookies.length) headers['set-cookie'] = cookies
  res.writeHead(response.status, headers)
  const bodyOk = responseBodyAllowed(method, response.status)
  let bytes = 0
  if (response.body) {
    const reader = response.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      bytes += value.byteLength
      if (bodyOk && !res.write(value)) await new Promise((r) => res.once('drain', r))
    }
  }
  await new Promise<void>((r) => res.end(r))
  return bytes
}

/**
 * Creates (does not start) a node:http server for `app`.
 * @example
 * import { createNodeServer } from 'pionia/moonlight'
 * createNodeServer(app).listen(8000, '127.0.0.1')
 */
export function createNodeServer(app: Fetchable, options: NodeServerOptions = {}): Server {
  const max = options.maxBodyBytes ?? 10 * 1024 * 1024
  return http().createServer(async (req, res) => {
    const started = performance.now()
    const method = req.method ?? 'GET'
    let status = 500
    let bytes = 0
    try {
      const length = Number(req.headers['content-length'] ?? 0)
      if (length > max) {
        status = 413
        res.writeHead(413, { 'content-type': 'text/plain' }).end(`Request body too large (limit ${max} bytes)`)
        req.resume()
        return
      }
      const address = req.socket.localAddress ?? '127.0.0.1'
      const response = await app.fetch(toWebRequest(req, `${address}:${req.socket.localPort ?? 80}`))
      status = response.status
      bytes = await writeWebResponse(res, response, method)
    } catch (err) {
      options.onError?.(err)
      if (!res.headersSent) res.writeHead(INTERNAL_ERROR.status, { 'content-type': INTERNAL_ERROR.contentType })
      res.end(INTERNAL_ERROR.text)
    } finally {
      options.onAccess?.({ method, uri: req.url ?? '/', status, bytes, elapsedMs: performance.now() - started })
    }
  })
}

/**
 * Listens on `host:port`, stepping to the next port on EADDRINUSE up to `tries` ports in all.
 * Resolves with the bound port; rejects with the last error.
 */
export async function listenWithTries(server: Server, host: string, port: number, tries = 1): Promise<number> {
  for (let i = 0; ; i++) {
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error) => reject(err)
        server.once('error', onError)
        server.listen(port + i, host, () => {
          server.off('error', onError)
          resolve()
        })
      })
      const addr = server.address()
      return typeof addr === 'object' && addr ? addr.port : port + i
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || i + 1 >= tries || port + i + 1 > 65535) throw err
    }
  }
}
