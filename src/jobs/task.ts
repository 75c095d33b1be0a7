/**
 * A job as the consumer sees it: rr's job context (JSON built by the driver's `Item.Context()`) and
 * the body bytes as pushed, plus the four answers a handler can give. The consumer sends exactly
 * one answer per job; a handler that gives none is acked.
 * @module
 */
import {
  ackResponse,
  errorResponse,
  nackResponse,
  requeueResponse,
  type HeaderValues,
  type JobResponse,
} from './responses.js'

/** The job context keys rr's drivers send (memory, amqp, sqs, kafka). */
export interface JobContext {
  id: string
  /** The job name the producer chose. */
  job: string
  pipeline: string
  driver: string
  /** amqp/sqs/kafka queue (absent for memory). */
  queue?: string
  /** Never null here: rr may send `null`, which is decoded as `{}`. */
  headers: HeaderValues
  /** kafka only. */
  topic?: string
  partition?: number
  offset?: number
}

/** The header carrying how many attempts of this job already failed (set by the consumer). */
export const ATTEMPTS_HEADER = 'attempts'

/** rr sent a job context this SDK cannot read. */
export class JobContextError extends Error {
  override readonly name = 'JobContextError'
  readonly code = 'RR_ERR_JOBS_CONTEXT'
}

/** Decodes and checks the job context bytes. */
export function decodeJobContext(bytes: Uint8Array): JobContext {
  let raw: unknown
  try {
    raw = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'))
  } catch {
    throw new JobContextError(
      `the job context from rr is not JSON (${bytes.byteLength} bytes). Is this worker serving RR_MODE=jobs? ` +
        'Only rr\'s jobs plugin sends job contexts.',
    )
  }
  if (!raw || typeof raw !== 'object') throw new JobContextError('the job context from rr is not a JSON object')
  const o = raw as Record<string, unknown>
  if (typeof o.id !== 'string' || o.id === '') throw new JobContextError('the job context from rr has no id')
  const headers: HeaderValues = {}
  if (o.headers && typeof o.headers === 'object') {
    for (const [k, v] of Object.entries(o.headers as Record<string, unknown>)) {
      headers[k] = Array.isArray(v) ? v.map(String) : [String(v)]
    }
  }
  const ctx: JobContext = {
    id: o.id,
    job: typeof o.job === 'string' ? o.job : '',
    // PHP's consumer defaults missing pipeline/queue to "unknown"; we keep that convention.
    pipeline: typeof o.pipeline === 'string' && o.pipeline ? o.pipeline : 'unknown',
    driver: typeof o.driver === 'string' ? o.driver : 'unknown',
    headers,
  }
  if (typeof o.queue === 'string') ctx.queue = o.queue
  if (typeof o.topic === 'string') ctx.topic = o.topic
  if (typeof o.partition === 'number') ctx.partition = o.partition
  if (typeof o.offset === 'number') ctx.offset = o.offset
  return ctx
}

export interface NackOptions {
  /** Ask the driver to deliver the job again (default false: the job is dropped or dead-lettered). */
  requeue?: boolean
  /** Seconds before redelivery (with requeue). */
  delay?: number
}

export interface RequeueOptions {
  message?: string
  /** Seconds before the job is available again. */
  delay?: number
  /** Headers merged into the job's headers. */
  headers?: Record<string, string | readonly string[]>
}

export interface FailOptions extends RequeueOptions {
  /** Push the job again (default false: rr logs the error and acks, so the job is dropped). */
  requeue?: boolean
}

function toValues(h: RequeueOptions['headers']): HeaderValues {
  const out: HeaderValues = {}
  for (const [k, v] of Object.entries(h ?? {})) out[k] = typeof v === 'string' ? [v] : [...v]
  return out
}

/**
 * One received job. Answer it with at most one of ack/nack/requeue/fail; a second answer throws.
 * @example
 * import { consumeJobs } from 'pionia/jobs'
 * await consumeJobs(async (task) => {
 *   const { email } = task.json<{ email: string }>()
 *   if (!email) return task.nack('email is required')   // dropped, not retried
 *   await sendMail(email)                                 // returning without an answer acks
 * })
 */
export class ReceivedTask {
  /** The job id (as pushed). */
  readonly id: string
  /** The job name (as pushed). */
  readonly name: string
  readonly pipeline: string
  readonly driver: string
  readonly queue: string | undefined
  readonly headers: Readonly<HeaderValues>
  /** The body bytes, exactly as pushed. */
  readonly payload: Buffer
  /** The full decoded context. */
  readonly context: JobContext
  #response: JobResponse | undefined

  constructor(context: JobContext, payload: Buffer) {
    this.context = context
    this.id = context.id
    this.name = context.job
    this.pipeline = context.pipeline
    this.driver = context.driver
    this.queue = context.queue
    this.headers = context.headers
    this.payload = payload
  }

  /** Which delivery this is: 1 on the first, +1 after each failed attempt the consumer requeued. */
  get attempt(): number {
    const n = Number(this.header(ATTEMPTS_HEADER))
    return (Number.isInteger(n) && n > 0 ? n : 0) + 1
  }

  /** The first value of a header (names are matched exactly, then case-insensitively). */
  header(name: string): string | undefined {
    const v = this.headers[name]
    if (v) return v[0]
    const lower = name.toLowerCase()
    for (const [k, vals] of Object.entries(this.headers)) if (k.toLowerCase() === lower) return vals[0]
    return undefined
  }

  /** The body as UTF-8 text. */
  text(): string {
    return this.payload.toString('utf8')
  }

  /** The body parsed as JSON; throws a clear error when it is not JSON. */
  json<T = unknown>(): T {
    try {
      return JSON.parse(this.text()) as T
    } catch {
      throw new TypeError(`job ${this.id} (${this.name}): the payload is not JSON: ${JSON.stringify(this.text().slice(0, 80))}`)
    }
  }

  /** The answer given so far, if any. */
  get response(): JobResponse | undefined {
    return this.#response
  }

  /** Done: the driver removes the job. */
  ack(): void {
    this.#answer(ackResponse())
  }

  /** Rejects the job; with `requeue` the driver delivers it again (amqp: native redelivery). */
  nack(message = '', options: NackOptions = {}): void {
    this.#answer(nackResponse(message, options.requeue ?? false, options.delay))
  }

  /** Pushes the job again (optionally delayed, with extra headers); the current delivery is acked. */
  requeue(options: RequeueOptions = {}): void {
    this.#answer(requeueResponse(options.message ?? '', options.delay, toValues(options.headers)))
  }

  /** Reports an error to rr (logged there); requeues with `requeue`, otherwise rr acks and drops the job. */
  fail(error: unknown, options: FailOptions = {}): void {
    const message = error instanceof Error ? error.message : String(error)
    this.#answer(errorResponse(message, options.requeue ?? false, options.delay, toValues(options.headers)))
  }

  #answer(r: JobResponse): void {
    if (this.#response) {
      throw new Error(`job ${this.id} was already answered (type ${this.#response.type}); answer each job once`)
    }
    this.#response = r
  }
}
