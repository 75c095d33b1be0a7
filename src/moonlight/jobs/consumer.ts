/**
 * The Moonlight job consumer (RR_MODE=jobs): each job body `{service, action, payload, switch}` is
 * dispatched through the app's registry, as an HTTP call would be. A returned envelope acks the job
 * (an error envelope too: the action answered); a thrown error requeues it (attempt counter,
 * maxAttempts, see pionia/jobs). Client errors (HttpError 4xx: bad input) and unreadable bodies are
 * not retried: no retry can fix them, so they are nacked and logged.
 * @module
 */
import { jobConsumer, type ConsumerOptions } from '../../jobs/consumer.js'
import type { ReceivedTask } from '../../jobs/task.js'
import type { PayloadHandler } from '../../worker/run.js'
import type { MoonlightApp } from '../core/context.js'
import { HttpError } from '../core/errors.js'
import type { MoonlightJob } from '../core/defer.js'

const RESERVED = new Set(['service', 'action', 'switch', 'payload'])

/** A job body that is not a Moonlight call. */
export class MoonlightJobError extends Error {
  override readonly name = 'MoonlightJobError'
  readonly code = 'RR_ERR_MOONLIGHT_JOB'
}

/** Reads a job body: `payload` when present, else the flat body minus the reserved keys (as Pionia). */
export function decodeMoonlightJob(task: ReceivedTask): MoonlightJob {
  let body: unknown
  try {
    body = JSON.parse(task.text())
  } catch {
    throw new MoonlightJobError(
      `job ${task.id} (${task.name}) is not a Moonlight call: the body is not JSON. Push {service, action, payload, switch} (moonlight().async does)`,
    )
  }
  const o = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>
  if (typeof o.service !== 'string' || !o.service || typeof o.action !== 'string' || !o.action) {
    throw new MoonlightJobError(`job ${task.id} (${task.name}) has no service/action: the body needs {"service": "...", "action": "..."}`)
  }
  let payload: Record<string, unknown>
  if (o.payload && typeof o.payload === 'object' && !Array.isArray(o.payload)) payload = o.payload as Record<string, unknown>
  else payload = Object.fromEntries(Object.entries(o).filter(([k]) => !RESERVED.has(k)))
  return { service: o.service, action: o.action, payload, ...(typeof o.switch === 'string' && o.switch ? { switch: o.switch } : {}) }
}

function permanent(err: unknown): boolean {
  return err instanceof MoonlightJobError || (err instanceof HttpError && err.code >= 400 && err.code < 500)
}

/**
 * @example
 * import { serve } from 'pionia'
 * import { moonlightJobConsumer } from 'pionia/moonlight/jobs'
 * await serve({ http: app, modes: { jobs: moonlightJobConsumer(app) } })
 */
export function moonlightJobConsumer(app: MoonlightApp, options: ConsumerOptions = {}): PayloadHandler {
  const labels = new WeakMap<ReceivedTask, string>()
  return jobConsumer(
    async (task) => {
      const job = decodeMoonlightJob(task)
      labels.set(task, `${job.service}.${job.action}`)
      await app.dispatch({ service: job.service, action: job.action, data: job.payload, switch: job.switch })
    },
    {
      permanent,
      label: (task) => labels.get(task) ?? task.name,
      ...options,
    },
  )
}
