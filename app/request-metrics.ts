/**
 * Counts Moonlight calls per service and action on rr's metrics endpoint
 * (`deskflow_requests_total{service,action}`): every worker reports to rr, so Prometheus sees the
 * whole pool in one place. Off outside rr (no RR_RPC) and when .rr.yaml has no `metrics:` section.
 *
 * Why a wrapper around the service classes and not a middleware: middleware sees the request after
 * Moonlight has read its body, and `RouteInfo.call` (the resolved service/action) is not filled in
 * yet, so only the action itself knows reliably which registered service and action ran. Calls
 * refused before the action (auth, validation, unknown names) are therefore not counted.
 */
import { RpcClient } from '../src/rpc/client.js'
import { rrRpcFromEnv } from '../src/config/rr-rpc.js'
import { metrics, type Metrics } from '../src/rpc/services/metrics.js'
import { Service, type Logger, type ServiceClass, type SwitchMap } from '../src/moonlight/index.js'
import { snakeCase } from '../src/moonlight/core/names.js'

const NAME = 'deskflow_requests_total'
const OPTIONS = { help: 'Moonlight calls that reached their action, by service and action', labels: ['service', 'action'] }

let client: Metrics | null | undefined
let declared: Promise<unknown> | undefined
let warned = false

function warnOnce(logger: Logger, message: string): void {
  if (warned) return
  warned = true
  logger.warn(`request metrics off: ${message}`)
}

/**
 * Adds `n` for one service and action. The counter is declared once, under `metrics.collect` in
 * .rr.yaml, so workers only add to it (a Declare per worker makes rr warn "metric with provided name
 * already exist" at each worker's first call). A config without that entry: the first add finds it
 * undeclared, and this worker declares it then.
 */
async function add(logger: Logger, labels: string[], n: number): Promise<void> {
  if (!client) return
  try {
    await client.add(NAME, n, labels)
  } catch (err) {
    if (!/is not declared in rr/.test((err as Error).message)) {
      client = null // no metrics plugin (no `metrics:` section): off for this worker
      return warnOnce(logger, (err as Error).message)
    }
    try {
      await (declared ??= client.counter(NAME, OPTIONS))
      await client.add(NAME, n, labels)
    } catch (again) {
      warnOnce(logger, (again as Error).message)
    }
  }
}

// Calls of one event-loop turn are added together: one RPC per service.action per turn, however
// many requests the turn served, and it runs while the actions run (see counted()).
const pending = new Map<string, { labels: string[]; n: number }>()
let batch: Promise<void> | undefined

async function flush(logger: Logger): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve))
  batch = undefined
  const items = [...pending.values()]
  pending.clear()
  await Promise.all(items.map((i) => add(logger, i.labels, i.n)))
}

/** Counts one call; resolves once rr has it (the caller awaits it only after its action ran). */
function count(service: Service, alias: string, action: string): Promise<void> {
  if (client === undefined) {
    const address = rrRpcFromEnv()
    client = address ? metrics(new RpcClient(address)) : null
  }
  if (!client) return Promise.resolve()
  const key = `${alias}\0${action}`
  const entry = pending.get(key)
  if (entry) entry.n++
  else pending.set(key, { labels: [alias, action], n: 1 })
  return (batch ??= flush(service.request.app.logger))
}

/** The same class with every `…Action` method counting its call first (statics are inherited). */
function counted(alias: string, cls: ServiceClass): ServiceClass {
  const Counted = class extends (cls as unknown as new () => Service) {}
  for (let proto = cls.prototype; proto && proto !== Service.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const original = (proto as unknown as Record<string, unknown>)[name]
      if (!name.endsWith('Action') || typeof original !== 'function' || Object.hasOwn(Counted.prototype, name)) continue
      const action = snakeCase(name)
      Object.defineProperty(Counted.prototype, name, {
        configurable: true,
        writable: true,
        async value(this: Service, ...args: unknown[]) {
          // The count goes to rr while the action runs; the answer waits for it only if rr is slower.
          const counting = count(this, alias, action)
          try {
            return await (original as (...a: unknown[]) => unknown).apply(this, args)
          } finally {
            await counting
          }
        },
      })
    }
  }
  Object.defineProperty(Counted, 'name', { value: cls.name })
  return Counted as unknown as ServiceClass
}

/** A switch's services, each counting its calls. */
export function countCalls<M extends SwitchMap>(services: M): M {
  return Object.fromEntries(Object.entries(services).map(([alias, cls]) => [alias, counted(alias, cls)])) as M
}
