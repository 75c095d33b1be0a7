/**
 * rr's jobs service (the producer side): push jobs and manage pipelines over RPC. Every method uses
 * the PROTO codec with `jobs.v1` messages (proto/jobs/v1/jobs.proto, field names and numbers of
 * roadrunner-server/api v4.24.0), as rr's jobs plugin only accepts protobuf arguments.
 * @module
 */
import { randomUUID } from 'node:crypto'
import { descriptor } from '../../generated/jobs-v1.js'
import type { CallOptions, RpcClient } from '../client.js'
import { RpcServiceError } from '../errors.js'
import { lazyTypes } from './proto-types.js'

const types = lazyTypes(descriptor)
const EMPTY = new Uint8Array(0)

/** Job headers: name → one value or several. */
export type JobHeaders = Record<string, string | readonly string[]>

/** How rr should handle one pushed job. */
export interface PushOptions {
  /** Target pipeline (default: the service's `pipeline` option). */
  pipeline?: string
  /** Seconds to wait before the job becomes available. */
  delay?: number
  /** Lower runs first; 0 (default) inherits the pipeline's priority. */
  priority?: number
  /** Ack on delivery, before the consumer runs (honoured by drivers that support it, e.g. amqp). */
  autoAck?: boolean
  /** Headers the consumer sees in the job context. */
  headers?: JobHeaders
  /** Job id (default: a random UUID). rr refuses an empty one. */
  id?: string
}

/** A job body: bytes as they are, a string as UTF-8, anything else as JSON. */
export type JobPayload = Uint8Array | string | unknown

/** One entry of {@link JobsService.pushBatch}. */
export interface JobSpec extends PushOptions {
  /** The job name the consumer sees as `task.name` (e.g. `moonlight.dispatch`). */
  name: string
  payload?: JobPayload
}

/** A pipeline to create at run time: `driver`, `name`, and the driver's config keys (as in .rr.yaml). */
export interface PipelineDeclaration {
  name: string
  driver: 'memory' | 'amqp' | (string & {})
  /** rr-internal priority of the pipeline's jobs (default 10). */
  priority?: number
  /** Driver keys, e.g. memory `prefetch`; amqp `queue`, `exchange`, `routing_key`, `durable`, … */
  [key: string]: string | number | boolean | undefined
}

/** One pipeline's counters, as `jobs.Stat` reports them. */
export interface PipelineStat {
  pipeline: string
  driver: string
  queue: string
  /** Jobs waiting (amqp: messages ready in the broker). */
  active: number
  delayed: number
  reserved: number
  /** The pipeline is consuming. */
  ready: boolean
  priority: number
}

export type JobsErrorCode =
  | 'RR_ERR_JOBS_NO_PIPELINE'
  | 'RR_ERR_JOBS_PIPELINE_EXISTS'
  | 'RR_ERR_JOBS_EMPTY_ID'
  | 'RR_ERR_JOBS_BAD_INPUT'
  | 'RR_ERR_JOBS'

/**
 * rr refused a jobs call. `rrMessage` is rr's own text; `code` classifies the common causes;
 * `cause` is the {@link RpcServiceError}. Connection and timeout failures stay `RpcConnectionError`
 * / `RpcTimeoutError` (nothing reached rr, or no answer came).
 */
export class JobsError extends Error {
  override readonly name = 'JobsError'
  readonly code: JobsErrorCode
  readonly method: string
  readonly rrMessage: string
  constructor(code: JobsErrorCode, method: string, rrMessage: string, message: string, cause?: unknown) {
    super(message, { cause })
    this.code = code
    this.method = method
    this.rrMessage = rrMessage
  }
}

function classify(method: string, err: unknown): unknown {
  if (!(err instanceof RpcServiceError)) return err
  const m = err.rrMessage
  let code: JobsErrorCode = 'RR_ERR_JOBS'
  let hint = ''
  if (/no such pipeline/i.test(m)) {
    code = 'RR_ERR_JOBS_NO_PIPELINE'
    hint = ': declare it (jobs.declare) or add it under jobs.pipelines in .rr.yaml'
  } else if (/already exists/i.test(m)) {
    code = 'RR_ERR_JOBS_PIPELINE_EXISTS'
    hint = ': destroy it first or use another name'
  } else if (/empty ID/i.test(m)) {
    code = 'RR_ERR_JOBS_EMPTY_ID'
    hint = ': give every job a non-empty id'
  }
  return new JobsError(code, method, m, `rr rejected ${method}: ${m}${hint}`, err)
}

function bad(message: string): JobsError {
  return new JobsError('RR_ERR_JOBS_BAD_INPUT', 'jobs', '', message)
}

function encodePayload(p: JobPayload): Uint8Array {
  if (p === undefined) return EMPTY
  if (p instanceof Uint8Array) return p
  if (typeof p === 'string') return Buffer.from(p, 'utf8')
  return Buffer.from(JSON.stringify(p), 'utf8')
}

function toProtoJob(spec: JobSpec, defaultPipeline: string | undefined): Record<string, unknown> {
  if (!spec.name) throw bad('a job needs a name (the consumer sees it as task.name), e.g. push("mail.send", payload)')
  const pipeline = spec.pipeline ?? defaultPipeline
  if (!pipeline) throw bad(`job "${spec.name}" has no pipeline: pass { pipeline } or create the service with jobs(rpc, { pipeline })`)
  for (const [k, v] of [['delay', spec.delay], ['priority', spec.priority]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw bad(`job "${spec.name}": ${k} must be a whole number >= 0 (seconds for delay), got ${String(v)}`)
  }
  const headers: Record<string, { value: string[] }> = {}
  for (const [k, v] of Object.entries(spec.headers ?? {})) {
    if (typeof v === 'string') headers[k] = { value: [v] }
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) headers[k] = { value: [...v] }
    else throw bad(`job "${spec.name}": header "${k}" must be a string or an array of strings, got ${JSON.stringify(v)}`)
  }
  return {
    job: spec.name,
    id: spec.id ?? randomUUID(),
    payload: encodePayload(spec.payload),
    headers,
    options: { pipeline, priority: spec.priority ?? 0, delay: spec.delay ?? 0, auto_ack: spec.autoAck ?? false },
  }
}

/** The typed jobs service; see {@link jobs}. */
export interface JobsService {
  /** Pushes one job; resolves with its id once rr accepted it. */
  push(name: string, payload?: JobPayload, options?: PushOptions): Promise<string>
  /** Pushes many jobs in one call (all or nothing per rr's plugin); resolves with their ids in order. */
  pushBatch(jobs: readonly JobSpec[]): Promise<string[]>
  /** Stops consuming these pipelines (pushing still works). */
  pause(...pipelines: string[]): Promise<void>
  /** Starts consuming these pipelines (also pipelines not listed in `jobs.consume`). */
  resume(...pipelines: string[]): Promise<void>
  /** Names of all pipelines. */
  list(): Promise<string[]>
  /** Creates a pipeline at run time; call resume() to consume it unless it is in `jobs.consume`. */
  declare(pipeline: PipelineDeclaration): Promise<void>
  /** Stops and removes pipelines; resolves with the names rr destroyed. */
  destroy(...pipelines: string[]): Promise<string[]>
  /** Counters of every pipeline. */
  stat(): Promise<PipelineStat[]>
}

/**
 * Typed access to rr's `jobs.*` RPC methods. rr's refusals become {@link JobsError}.
 * @param client an RpcClient connected to rr's `rpc.listen`
 * @param options `pipeline`: the default for push/pushBatch; `timeoutMs` per call
 * @example
 * import { RpcClient, jobs } from 'pionia/jobs'
 * const queue = jobs(new RpcClient(), { pipeline: 'emails' })
 * const id = await queue.push('mail.send', { to: 'ada@example.com' }, { delay: 5 })
 */
export function jobs(client: RpcClient, options: { pipeline?: string } & CallOptions = {}): JobsService {
  const call = async (method: string, bytes: Uint8Array): Promise<Buffer> => {
    try {
      return await client.callProto(method, bytes, options)
    } catch (err) {
      throw classify(method, err)
    }
  }
  const pipelines = (names: string[]): Uint8Array => types('jobs.v1.Pipelines').encode({ pipelines: names }).finish()
  const names = (buf: Buffer): string[] => (types('jobs.v1.Pipelines').decode(buf) as unknown as { pipelines?: string[] }).pipelines ?? []
  return {
    async push(name, payload, opts = {}) {
      const job = toProtoJob({ ...opts, name, payload }, options.pipeline)
      await call('jobs.Push', types('jobs.v1.PushRequest').encode({ job }).finish())
      return job.id as string
    },
    async pushBatch(specs) {
      const list = specs.map((s) => toProtoJob(s, options.pipeline))
      if (list.length === 0) return []
      await call('jobs.PushBatch', types('jobs.v1.PushBatchRequest').encode({ jobs: list }).finish())
      return list.map((j) => j.id as string)
    },
    async pause(...p) {
      await call('jobs.Pause', pipelines(p))
    },
    async resume(...p) {
      await call('jobs.Resume', pipelines(p))
    },
    async list() {
      return names(await call('jobs.List', EMPTY))
    },
    async declare(decl) {
      if (!decl.name || !decl.driver) throw bad('declare() needs at least { name, driver }, e.g. { name: "emails", driver: "memory" }')
      const map: Record<string, string> = {}
      for (const [k, v] of Object.entries(decl)) if (v !== undefined) map[k] = String(v)
      await call('jobs.Declare', types('jobs.v1.DeclareRequest').encode({ pipeline: map }).finish())
    },
    async destroy(...p) {
      return names(await call('jobs.Destroy', pipelines(p)))
    },
    async stat() {
      const StatsMsg = types('jobs.v1.Stats')
      const msg = StatsMsg.toObject(StatsMsg.decode(await call('jobs.Stat', EMPTY)), { longs: Number, defaults: true }) as {
        stats: PipelineStat[]
      }
      return msg.stats
    },
  }
}
