/**
 * The merged request data an action receives, with typed getters (Pionia's Arrayable `$data`).
 * Getters that cannot convert throw a ValidationError naming the field, so a bad request gets a
 * 422 instead of crashing the action.
 * @module
 */
import { ValidationError } from './errors.js'

/** Merged input of one Moonlight call: cookies < query < files < body (later wins). */
export class RequestData {
  readonly #values: Record<string, unknown>

  constructor(values: Record<string, unknown> = {}) {
    this.#values = values
  }

  /** A copy of every key. */
  all(): Record<string, unknown> {
    return { ...this.#values }
  }

  has(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.#values, key)
  }

  /** The raw value, or `fallback` when missing or null. */
  get<T = unknown>(key: string, fallback?: T): T | undefined {
    const v = Object.prototype.hasOwnProperty.call(this.#values, key) ? this.#values[key] : undefined
    return v === undefined || v === null ? fallback : (v as T)
  }

  /** The raw value; a missing, null or empty value throws `error` or a 422 "<key> is required". */
  getOrThrow<T = unknown>(key: string, error?: Error): T {
    const v = Object.prototype.hasOwnProperty.call(this.#values, key) ? this.#values[key] : undefined
    if (v === undefined || v === null || v === '') throw error ?? new ValidationError(`${key} is required`, key)
    return v as T
  }

  getString(key: string, fallback?: string): string | undefined {
    const v = this.get(key)
    if (v === undefined) return fallback
    if (typeof v === 'object') throw new ValidationError(`${key} must be a string`, key)
    return String(v)
  }

  getInt(key: string, fallback?: number): number | undefined {
    const v = this.get(key)
    if (v === undefined || v === '') return fallback
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN
    if (!Number.isInteger(n)) throw new ValidationError(`${key} must be an integer`, key)
    return n
  }

  getFloat(key: string, fallback?: number): number | undefined {
    const v = this.get(key)
    if (v === undefined || v === '') return fallback
    const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN
    if (!Number.isFinite(n)) throw new ValidationError(`${key} must be a number`, key)
    return n
  }

  getBool(key: string, fallback?: boolean): boolean | undefined {
    const v = this.get(key)
    if (v === undefined || v === '') return fallback
    if (typeof v === 'boolean') return v
    if (typeof v === 'number') return v !== 0
    if (typeof v === 'string') {
      if (/^(true|1|yes|on)$/i.test(v)) return true
      if (/^(false|0|no|off)$/i.test(v)) return false
    }
    throw new ValidationError(`${key} must be a boolean`, key)
  }

  /** A JSON value: objects/arrays as-is, strings parsed. */
  getJson<T = unknown>(key: string, fallback?: T): T | undefined {
    const v = this.get(key)
    if (v === undefined) return fallback
    if (typeof v !== 'string') return v as T
    try {
      return JSON.parse(v) as T
    } catch {
      throw new ValidationError(`${key} must be valid JSON`, key)
    }
  }

  getArray<T = unknown>(key: string, fallback?: T[]): T[] | undefined {
    const v = this.get(key)
    if (v === undefined) return fallback
    if (Array.isArray(v)) return v as T[]
    if (typeof v === 'string') return v.split(',').map((s) => s.trim()) as T[]
    throw new ValidationError(`${key} must be a list`, key)
  }

  /** A nested object as RequestData (e.g. `pagination`). */
  getData(key: string): RequestData | undefined {
    const v = this.get(key)
    if (v === undefined) return undefined
    if (typeof v !== 'object' || Array.isArray(v)) throw new ValidationError(`${key} must be an object`, key)
    return new RequestData(v as Record<string, unknown>)
  }

  getPositiveInteger(key: string, fallback?: number): number | undefined {
    const n = this.getInt(key, fallback)
    if (n !== undefined && n <= 0) throw new ValidationError(`${key} must be a positive integer`, key)
    return n
  }

  getNegativeInteger(key: string, fallback?: number): number | undefined {
    const n = this.getInt(key, fallback)
    if (n !== undefined && n >= 0) throw new ValidationError(`${key} must be a negative integer`, key)
    return n
  }

  toJSON(): Record<string, unknown> {
    return this.all()
  }
}
