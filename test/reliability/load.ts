/**
 * Load and fault tools shared by the CI fault tests and the hand-run soak (scripts/soak.ts):
 * bounded autocannon runs of DeskFlow task creates with a unique title per request, and a killer
 * that SIGKILLs a random worker of a pool on a fixed period.
 */
import autocannon from 'autocannon'

export interface CreateLoadResult {
  /** Requests autocannon sent (responses + errors). */
  sent: number
  /** Responses received (any status). */
  answered: number
  ok2xx: number
  /** Status → count for everything that was not 2xx. */
  other: Record<number, number>
  /** Connection errors and timeouts (a request that hung past `timeoutSec` counts here). */
  errors: number
  timeouts: number
  /** Every title put in a request body (the rows in the database must be a subset). */
  titles: Set<string>
  /** Titles the server confirmed (2xx with the created task): each must be in the database once. */
  confirmed: string[]
}

export interface CreateLoadOptions {
  base: string
  authorization: string
  /**
   * Bounded run: this many requests (autocannon waits for every answer or timeout, so the outcome of
   * each request is known), or, without it, `durationSec` seconds.
   */
  amount?: number
  durationSec?: number
  connections?: number
  /** Per-request timeout in seconds. */
  timeoutSec?: number
  /** Prefix of every title (to count this run's rows). */
  prefix: string
  /** Cap on requests per second over all connections (autocannon overallRate). */
  rate?: number
}

/** POSTs task.create with a unique title per request for `durationSec` against 127.0.0.1. */
export async function runCreateLoad(options: CreateLoadOptions): Promise<CreateLoadResult> {
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(options.base)) throw new Error(`load goes to loopback only, not ${options.base}`)
  const titles = new Set<string>()
  const confirmed: string[] = []
  const other: Record<number, number> = {}
  let n = 0
  const result = await autocannon({
    url: `${options.base}/api/v1/`,
    connections: options.connections ?? 8,
    ...(options.amount ? { amount: options.amount } : { duration: options.durationSec ?? 10 }),
    timeout: options.timeoutSec ?? 20,
    ...(options.rate ? { overallRate: options.rate } : {}),
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: options.authorization },
        setupRequest(req) {
          const title = `${options.prefix} ${++n}`
          titles.add(title)
          return { ...req, body: JSON.stringify({ service: 'task', action: 'create', title }) }
        },
        onResponse(status, body) {
          if (status >= 200 && status < 300) {
            const parsed = JSON.parse(body) as { returnData?: { task?: { title?: string } } }
            const t = parsed.returnData?.task?.title
            if (typeof t === 'string') confirmed.push(t)
          } else other[status] = (other[status] ?? 0) + 1
        },
      },
    ],
  })
  return {
    sent: result.requests.sent,
    answered: result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'],
    ok2xx: result['2xx'],
    other,
    errors: result.errors,
    timeouts: result.timeouts,
    titles,
    confirmed,
  }
}

export interface Killer {
  /** Stops killing; resolves with the pids that were killed. */
  stop(): Promise<number[]>
}

/** Every `everyMs`, SIGKILLs one random pid from `pids()` (e.g. rr's informer list for http). */
export function startKiller(pids: () => Promise<number[]>, everyMs: number, onError: (err: unknown) => void = () => {}): Killer {
  const killed: number[] = []
  let busy: Promise<void> = Promise.resolve()
  const timer = setInterval(() => {
    busy = busy.then(async () => {
      try {
        const list = await pids()
        if (!list.length) return
        const pid = list[Math.floor(Math.random() * list.length)]!
        process.kill(pid, 'SIGKILL')
        killed.push(pid)
      } catch (err) {
        onError(err)
      }
    })
  }, everyMs)
  return {
    async stop() {
      clearInterval(timer)
      await busy
      return killed
    },
  }
}

/** True while `pid` exists. */
export { alive } from '../helpers/process.js'
