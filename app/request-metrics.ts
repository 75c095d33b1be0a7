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
 * Adds 1 for one call. The counter is declared once, under `metrics.collect` in .rr.yaml, so workers
 * only add to it (a Declare per worker makes rr warn "metric with provided name already exist" at each
 * worker's first call). A config without that entry: the first add finds it undeclared, and this worker
 * declares it then.
 */
async function count(service: Service, alias: string, action: string): Promise<void> {
  const logger = service.request.app.logger
  if (client === undefined) {
    const address = process.env.RR_RPC?.trim()
    client = address ? metrics(new RpcClient(address)) : null
  }
  if (!client) return
  const labels = [alias, action]
  try {
    await client.add(NAME, 1, labels)
  } catch (err) {
    if (!/is not declared in rr/.test((err as Error).message)) {
      client = null // no metrics plugin (no `metrics:` section): off for this worker
      return warnOnce(logger, (err as Error).message)
    }
    try {
      await (declared ??= client.counter(NAME, OPTIONS))
      await client.add(NAME, 1, labels)
    } catch (again) {
      warnOnce(logger, (again as Error).message)
    }
  }
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
          await count(this, alias, action)
          return (original as (...a: unknown[]) => unknown).apply(this, args)
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
