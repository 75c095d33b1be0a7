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
import { metrics, type Collector } from '../src/rpc/services/metrics.js'
import { Service, type Logger, type ServiceClass, type SwitchMap } from '../src/moonlight/index.js'
import { snakeCase } from '../src/moonlight/core/names.js'

let counter: Promise<Collector | null> | undefined
let warned = false

function warnOnce(logger: Logger, message: string): void {
  if (warned) return
  warned = true
  logger.warn(`request metrics off: ${message}`)
}

/** The counter, declared once per worker (rr accepts the second worker's declaration as is). */
function requestCounter(logger: Logger): Promise<Collector | null> {
  counter ??= (async () => {
    const address = process.env.RR_RPC?.trim()
    if (!address) return null
    try {
      return await metrics(new RpcClient(address)).counter('deskflow_requests_total', {
        help: 'Moonlight calls that reached their action, by service and action',
        labels: ['service', 'action'],
      })
    } catch (err) {
      warnOnce(logger, (err as Error).message)
      return null
    }
  })()
  return counter
}

async function count(service: Service, alias: string, action: string): Promise<void> {
  const logger = service.request.app.logger
  const c = await requestCounter(logger)
  await c?.inc({ service: alias, action }).catch((err: Error) => warnOnce(logger, err.message))
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
export function countCalls(services: SwitchMap): SwitchMap {
  return Object.fromEntries(Object.entries(services).map(([alias, cls]) => [alias, counted(alias, cls)]))
}
