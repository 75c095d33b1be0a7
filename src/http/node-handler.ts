/**
 * `fromNodeListener`: a node:http request listener (Express, Koa's callback) as a fetch handler.
 * The adapter (node-listener.ts, and node:http with it) is loaded when the first request reaches
 * it, so a worker serving a plain fetch handler never loads node:http.
 * @module
 */
import type { HttpContext } from './context.js'
import type { NodeListener } from './node-listener.js'

/** Marks a handler made by {@link fromNodeListener}: the worker serves it without WHATWG objects. */
export const kNodeListener = Symbol.for('pionia.http.nodeListener')

let adapter: Promise<typeof import('./node-listener.js')> | undefined

/** The node:http adapter, loaded once on first use. */
export function nodeAdapter(): Promise<typeof import('./node-listener.js')> {
  return (adapter ??= import('./node-listener.js'))
}

/**
 * Wraps a node:http request listener as a fetch handler. Behind rr the worker serves it directly
 * (no WHATWG objects in between); `fetch()` also works, for tests and composition.
 * @example
 * import express from 'express'
 * import { serveHttp, fromNodeListener } from 'pionia/http'
 * const app = express()
 * app.get('/', (req, res) => res.send('hello'))
 * await serveHttp(fromNodeListener(app))
 */
export function fromNodeListener(listener: NodeListener): {
  fetch(request: Request, context?: HttpContext): Promise<Response>
  readonly [kNodeListener]: NodeListener
} {
  return {
    [kNodeListener]: listener,
    async fetch(request: Request): Promise<Response> {
      return (await nodeAdapter()).fetchThroughListener(listener, request)
    },
  }
}
