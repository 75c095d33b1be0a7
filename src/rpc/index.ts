/**
 * rr's RPC: the goridge RPC client and typed wrappers for rr's built-in services.
 * @module
 */
export { RpcClient, type RpcClientOptions, type CallOptions, type RpcReply } from './client.js'
export { RpcError, RpcServiceError, RpcTimeoutError, RpcConnectionError, type RpcErrorCode } from './errors.js'
export { informer, type WorkerState } from './services/informer.js'
export { resetter } from './services/resetter.js'

import type { RpcClient } from './client.js'
/** rr's version as its rpc plugin reports it. */
export function rrVersion(client: RpcClient): Promise<string> {
  return client.callJson<string>('rpc.Version', true)
}
export * from './services/kv/index.js'
export { Locks, locks, LockNotAcquiredError, type LockOptions } from './services/lock.js'
export { Metrics, Collector, metrics, type CollectorType, type CollectorOptions, type LabelValues } from './services/metrics.js'
export { jobs, JobsError, type JobsService, type JobSpec, type PushOptions, type PipelineDeclaration, type PipelineStat, type JobsErrorCode } from './services/jobs.js'
export { services, type ServicesClient, type ServiceSpec, type ServiceProcess } from './services/service.js'
export { status, type PluginStatus } from './services/status.js'
export { rrLogger, rrLogDestination, type RrLogger, type RrLoggerOptions, type RrLogLevel, type LogFields } from './services/app-logger.js'
export { closeTcpConnection } from './services/tcp.js'
