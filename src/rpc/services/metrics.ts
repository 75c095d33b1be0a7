/**
 * rr's metrics plugin: application metrics (counter, gauge, histogram, summary) that every worker
 * updates over RPC (`metrics.*`, JSON codec) and rr serves in Prometheus text format at
 * `metrics.address`.
 * @module
 */
import type { RpcClient } from '../client.js'
import { RpcServiceError } from '../errors.js'

export type CollectorType = 'counter' | 'gauge' | 'histogram' | 'summary'

export interface CollectorOptions {
  /** The `# HELP` text. */
  help?: string
  /** Label names; every update then gives a value for each. */
  labels?: readonly string[]
  /** Prefixes of the exposed name: `<namespace>_<subsystem>_<name>`. Updates use the bare name. */
  namespace?: string
  subsystem?: string
  /** Histogram bucket upper bounds (default: Prometheus's default buckets). */
  buckets?: readonly number[]
}

/** Label values: by name (checked against the declared labels) or in declaration order. */
export type LabelValues = Readonly<Record<string, string | number>> | readonly (string | number)[]

type Method = 'Add' | 'Sub' | 'Set' | 'Observe'

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const TYPES: readonly CollectorType[] = ['counter', 'gauge', 'histogram', 'summary']
/** Which update each collector type accepts (mirrors rr's metrics plugin, v5.2.0). */
const ALLOWED: Record<CollectorType, readonly Method[]> = {
  counter: ['Add'],
  gauge: ['Add', 'Sub', 'Set'],
  histogram: ['Observe'],
  summary: ['Observe'],
}

/** A declared collector: updates by label name, checked before they reach rr. */
export class Collector {
  readonly metrics: Metrics
  /** The name updates use (without namespace/subsystem). */
  readonly name: string
  readonly type: CollectorType
  readonly labels: readonly string[]
  /** The name Prometheus shows. */
  readonly exposedName: string

  constructor(metrics: Metrics, name: string, type: CollectorType, options: CollectorOptions) {
    this.metrics = metrics
    this.name = name
    this.type = type
    this.labels = options.labels ?? []
    this.exposedName = [options.namespace, options.subsystem, name].filter((p) => p).join('_')
  }

  /** Adds 1 (counter, gauge). */
  inc(labels?: LabelValues): Promise<void> {
    return this.add(1, labels)
  }

  /** Adds `value` (counter: ≥ 0; gauge: any). */
  add(value: number, labels?: LabelValues): Promise<void> {
    return this.#update('Add', value, labels)
  }

  /** Subtracts `value` (gauge only). */
  sub(value: number, labels?: LabelValues): Promise<void> {
    return this.#update('Sub', value, labels)
  }

  /** Sets the value (gauge only). */
  set(value: number, labels?: LabelValues): Promise<void> {
    return this.#update('Set', value, labels)
  }

  /** Records one observation (histogram, summary). */
  observe(value: number, labels?: LabelValues): Promise<void> {
    return this.#update('Observe', value, labels)
  }

  async #update(method: Method, value: number, labels: LabelValues | undefined): Promise<void> {
    if (!ALLOWED[this.type].includes(method)) {
      const fit = TYPES.filter((t) => ALLOWED[t].includes(method)).join(' or ')
      throw new TypeError(`metric "${this.name}" is a ${this.type}, which has no ${method.toLowerCase()}(): declare a ${fit} for that`)
    }
    if (method === 'Add' && this.type === 'counter' && value < 0) {
      throw new RangeError(`counter "${this.name}" cannot decrease (add(${value})): use a gauge for values that go down`)
    }
    await this.metrics.update(method, this.name, value, this.#values(labels), this.type === 'gauge')
  }

  #values(labels: LabelValues | undefined): string[] {
    if (labels === undefined || Array.isArray(labels)) {
      const list = (labels ?? []) as readonly (string | number)[]
      if (list.length !== this.labels.length) {
        throw new TypeError(`metric "${this.name}" takes ${this.labels.length} label value(s) (${this.labels.join(', ') || 'none'}), got ${list.length}`)
      }
      return list.map(String)
    }
    const given = labels as Readonly<Record<string, string | number>>
    const unknown = Object.keys(given).filter((k) => !this.labels.includes(k))
    const missing = this.labels.filter((k) => given[k] === undefined)
    if (unknown.length || missing.length) {
      throw new TypeError(
        `metric "${this.name}" has labels (${this.labels.join(', ') || 'none'})` +
          (missing.length ? `; missing: ${missing.join(', ')}` : '') +
          (unknown.length ? `; not declared: ${unknown.join(', ')}` : ''),
      )
    }
    return this.labels.map((k) => String(given[k]))
  }
}

/**
 * @example
 * import { RpcClient, metrics } from 'pionia/rpc'
 * const m = metrics(new RpcClient())
 * const requests = await m.counter('app_requests_total', { help: 'Requests', labels: ['service', 'action'] })
 * await requests.inc({ service: 'task', action: 'list' })
 */
export class Metrics {
  readonly client: RpcClient

  constructor(client: RpcClient) {
    this.client = client
  }

  /**
   * Declares a collector in rr (a name rr already knows is accepted as is, whatever its type) and
   * returns a handle for updates.
   */
  async declare(name: string, type: CollectorType, options: CollectorOptions = {}): Promise<Collector> {
    checkName('metric', name, NAME)
    if (!TYPES.includes(type)) throw new TypeError(`unknown collector type "${String(type)}" for "${name}": use ${TYPES.join(', ')}`)
    for (const label of options.labels ?? []) checkName(`label of "${name}"`, label, LABEL)
    if ('objectives' in options) {
      throw new TypeError(
        `summary objectives cannot be declared over RPC: rr's metrics.Declare fails to decode them ` +
          `(Go map[float64]float64 from JSON). Declare "${name}" without objectives, or use a histogram`,
      )
    }
    if (options.buckets && type !== 'histogram') throw new TypeError(`buckets only apply to histograms, and "${name}" is a ${type}`)
    await this.#call('Declare', {
      name,
      collector: {
        namespace: options.namespace ?? '',
        subsystem: options.subsystem ?? '',
        type,
        help: options.help ?? name,
        labels: options.labels ?? [],
        buckets: options.buckets ?? [],
      },
    })
    return new Collector(this, name, type, options)
  }

  counter(name: string, options?: CollectorOptions): Promise<Collector> {
    return this.declare(name, 'counter', options)
  }

  gauge(name: string, options?: CollectorOptions): Promise<Collector> {
    return this.declare(name, 'gauge', options)
  }

  histogram(name: string, options?: CollectorOptions): Promise<Collector> {
    return this.declare(name, 'histogram', options)
  }

  summary(name: string, options?: CollectorOptions): Promise<Collector> {
    return this.declare(name, 'summary', options)
  }

  /**
   * Updates a collector by name (e.g. one declared under `metrics.collect` in .rr.yaml), label values
   * in declaration order. A negative `Add` is refused unless `allowNegativeAdd` (gauges): on a counter
   * it makes rr's metrics plugin panic, which ends the rr process. Use `Sub` on gauges instead.
   */
  async update(method: Method, name: string, value: number, labels: readonly string[] = [], allowNegativeAdd = false): Promise<void> {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new TypeError(`metric "${name}": ${method.toLowerCase()}() needs a finite number, got ${String(value)}`)
    }
    if (method === 'Add' && value < 0 && !allowNegativeAdd) {
      throw new RangeError(
        `metric "${name}": add(${value}) with a negative value is refused, because on a counter it crashes rr; ` +
          `use sub(${-value}) on a gauge`,
      )
    }
    await this.#call(method, { name, value, labels: [...labels] })
  }

  add(name: string, value: number, labels?: readonly string[]): Promise<void> {
    return this.update('Add', name, value, labels)
  }

  sub(name: string, value: number, labels?: readonly string[]): Promise<void> {
    return this.update('Sub', name, value, labels)
  }

  set(name: string, value: number, labels?: readonly string[]): Promise<void> {
    return this.update('Set', name, value, labels)
  }

  observe(name: string, value: number, labels?: readonly string[]): Promise<void> {
    return this.update('Observe', name, value, labels)
  }

  /** Removes a collector from rr; true when Prometheus no longer exposes it. */
  async unregister(name: string): Promise<boolean> {
    return (await this.#call('Unregister', name)) === true
  }

  async #call(method: string, arg: unknown): Promise<unknown> {
    try {
      return await this.client.callJson<boolean>(`metrics.${method}`, arg)
    } catch (err) {
      if (err instanceof RpcServiceError && /undefined collector/.test(err.rrMessage)) {
        const name = typeof arg === 'string' ? arg : (arg as { name: string }).name
        throw new Error(
          `metric "${name}" is not declared in rr: declare it first (metrics(client).counter("${name}", ...)) ` +
            `or under metrics.collect in .rr.yaml`,
          { cause: err },
        )
      }
      throw err
    }
  }
}

function checkName(what: string, name: string, re: RegExp): void {
  if (typeof name !== 'string' || !re.test(name)) {
    throw new TypeError(`invalid ${what} name ${JSON.stringify(name)}: Prometheus names match ${re.source}`)
  }
}

/** The metrics service of the rr that `client` talks to. */
export function metrics(client: RpcClient): Metrics {
  return new Metrics(client)
}
