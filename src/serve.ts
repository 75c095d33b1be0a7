/**
 * One entry for a worker file that rr starts for several plugins: routes by RR_MODE.
 * @module
 */
import { readEnvironment } from './worker/environment.js'
import { NotUnderRoadRunnerError } from './worker/worker.js'
import type { PayloadHandler } from './worker/index.js'
import { serveHttp, type FetchHandler, type ServeHttpOptions } from './http/index.js'
import { runWorker } from './worker/run.js'
import type { GrpcOptions, GrpcServices } from './grpc/index.js'
import type { TcpHandler, TcpOptions } from './tcp/serve.js'
import { answerProbe } from './worker/probe.js'

/** What a worker file serves, per rr plugin (RR_MODE). */
export interface ServeOptions extends ServeHttpOptions {
  /** RR_MODE=http: a web-standard fetch handler. */
  http?: FetchHandler
  /** RR_MODE=tcp: one handler for the connection events of rr's tcp servers (pionia/tcp). */
  tcp?: TcpHandler
  /** The tcp servers' delimiter(s) for `event.messages()` (see pionia/tcp `TcpOptions`; default "\r\n"). */
  tcpDelimiter?: TcpOptions['delimiter']
  /** Other modes (jobs, centrifuge, tcp, …): a raw payload handler per mode. */
  modes?: Record<string, PayloadHandler>
  /** RR_MODE=grpc: handlers per `pkg.Service` and method of the .proto files in .rr.yaml grpc.proto. */
  grpc?: GrpcServices
  /** Options for the grpc mode (config path, .proto list). */
  grpcOptions?: GrpcOptions
}

/**
 * Serves whatever rr asked this process for (RR_MODE). An unknown mode is a clear error.
 * @example
 * import { serve } from 'pionia'
 * await serve({ http: app })
 */
export async function serve(options: ServeOptions): Promise<void> {
  const served = [...(options.http ? ['http'] : []), ...(options.tcp ? ['tcp'] : []), ...(options.grpc ? ['grpc'] : []), ...Object.keys(options.modes ?? {})]
  answerProbe(served)
  const env = readEnvironment()
  if (!env.underRoadRunner) {
    process.stderr.write(new NotUnderRoadRunnerError().message + '\n')
    process.exitCode = 1
    return
  }
  const mode = env.mode || 'http'
  if (mode === 'http' && options.http) return serveHttp(options.http, options)
  // The grpc and tcp layers are loaded only by the process rr started for them: protobufjs and
  // yaml alone are ~150 ms of an HTTP worker's start.
  if (mode === 'grpc' && options.grpc) {
    const { serveGrpc } = await import('./grpc/index.js')
    return serveGrpc(options.grpc, { ...options, ...options.grpcOptions })
  }
  if (mode === 'tcp' && options.tcp) {
    const { tcpPayloadHandler } = await import('./tcp/serve.js')
    return runWorker(tcpPayloadHandler(options.tcp, { delimiter: options.tcpDelimiter }), options)
  }
  const handler = options.modes?.[mode]
  if (handler) return runWorker(handler, options)
  process.stderr.write(
    `[pionia] this worker has no handler for RR_MODE=${mode} (it handles: ${served.join(', ') || 'nothing'}). ` +
      `Remove the ${mode} section from .rr.yaml or pass a handler for it to serve().\n`,
  )
  process.exitCode = 1
}
