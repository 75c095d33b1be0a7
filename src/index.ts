/**
 * pionia: Node.js workers for RoadRunner. The common surface; each layer also has its own subpath
 * (pionia/goridge, pionia/relay, pionia/worker, pionia/rpc, pionia/http).
 * @module
 */
export { serve, type ServeOptions } from './serve.js'
export { serveHttp, type FetchHandler, type HttpContext } from './http/index.js'
export { Worker, runWorker, readEnvironment, type Payload, type Environment } from './worker/index.js'
