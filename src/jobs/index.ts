/**
 * rr jobs from Node: the RR_MODE=jobs consumer (typed tasks, ack/nack/requeue/fail, retries with an
 * attempt counter, in-flight recovery) and the producer over RPC (push, pushBatch, pipelines).
 * @module
 */
export { jobConsumer, consumeJobs, type JobHandler, type ConsumerOptions } from './consumer.js'
export {
  ReceivedTask,
  decodeJobContext,
  JobContextError,
  ATTEMPTS_HEADER,
  type JobContext,
  type NackOptions,
  type RequeueOptions,
  type FailOptions,
} from './task.js'
export {
  TYPE_ERROR,
  TYPE_ACK,
  TYPE_NACK,
  TYPE_REQUEUE,
  encodeResponse,
  type JobResponse,
  type HeaderValues,
} from './responses.js'
export { defaultJournalDir } from './journal.js'
export { defaultOutboxDir } from './outbox.js'
export { outboxProducer, type OutboxProducer, type OutboxPushOptions } from './producer.js'
export {
  jobs,
  JobsError,
  type JobsService,
  type JobsErrorCode,
  type PushOptions,
  type JobSpec,
  type JobPayload,
  type JobHeaders,
  type PipelineDeclaration,
  type PipelineStat,
} from '../rpc/services/jobs.js'
export { RpcClient } from '../rpc/client.js'
