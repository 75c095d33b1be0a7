/**
 * The worker lifecycle: handshake, requests, responses, streams, stop; environment and stdout guard.
 * @module
 */
export { Worker, NotUnderRoadRunnerError, type Response, type WorkerOptions } from './worker.js'
export { classify, type Payload, type IncomingMessage } from './messages.js'
export { readEnvironment, type Environment } from './environment.js'
export { installStdoutGuard } from './stdout-guard.js'
export { runWorker, type PayloadHandler, type RunOptions } from './run.js'
