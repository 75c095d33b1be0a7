/**
 * Validation with Pionia's rule grammar: `'required|string|min:3'`, `'in:open,done'`, … Every failure
 * is a ValidationError (returnCode 422) whose message names the field and what to send instead.
 * @module
 */
import { ValidationError } from '../core/errors.js'
import { RequestData } from '../core/data.js'

/** A rule set: pipe string (`required|email`) or a list of rules. */
export type RuleSpec = string | readonly string[]
/** field → rules. */
export type RuleMap = Record<string, RuleSpec>
/** A custom rule: return an error message (string) to fail, anything else to pass. */
export type CustomRule = (value: unknown, field: string, args: string[], data: Record<string, unknown>) => string | void | undefined | boolean

const custom = new Map<string, CustomRule>()

/**
 * Registers a custom rule usable in rule strings.
 * @example
 * import { extendValidation } from 'pionia/moonlight'
 * extendValidation('even', (v, f) => (Number(v) % 2 === 0 ? undefined : `${f} must be even`))
 */
export function extendValidation(name: string, rule: CustomRule): void {
  custom.set(name, rule)
}

/** Splits a pipe string; `regex:` swallows the rest so patterns may contain `|`. */
export function parseRules(spec: RuleSpec): { name: string; args: string[] }[] {
  const parts: string[] = []
  if (typeof spec !== 'string') parts.push(...spec)
  else {
    let rest = spec
    while (rest.length) {
      if (rest.startsWith('regex:')) {
        parts.push(rest)
        break
      }
      const i = rest.indexOf('|')
      parts.push(i < 0 ? rest : rest.slice(0, i))
      rest = i < 0 ? '' : rest.slice(i + 1)
    }
  }
  return parts
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const i = p.indexOf(':')
      if (i < 0) return { name: p.toLowerCase(), args: [] }
      const name = p.slice(0, i).toLowerCase()
      const raw = p.slice(i + 1)
      return { name, args: name === 'regex' ? [raw] : raw.split(',').map((a) => a.trim()) }
    })
}

const isEmpty = (v: unknown): boolean => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)

const PATTERNS: Record<string, [RegExp, string]> = {
  email: [/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'a valid email address'],
  url: [/^https?:\/\/[^\s/$.?#].[^\s]*$/i, 'a valid URL'],
  slug: [/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'a valid slug (lowercase letters, digits and dashes)'],
  uuid: [/^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i, 'a valid UUID'],
  ulid: [/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/i, 'a valid ULID'],
  date: [/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/, 'a valid date (YYYY-MM-DD)'],
}

function size(v: unknown): number | undefined {
  if (typeof v === 'number') return v
  if (typeof v === 'string') return v.length
  if (Array.isArray(v)) return v.length
  return undefined
}

function unit(v: unknown): string {
  return typeof v === 'string' ? ' characters' : Array.isArray(v) ? ' items' : ''
}

function isIp(v: string): boolean {
  if (/^(\d{1,3})(\.\d{1,3}){3}$/.test(v)) return v.split('.').every((o) => Number(o) <= 255)
  return /^[0-9a-f:]+$/i.test(v) && v.includes(':') && v.split('::').length <= 2
}

/** Checks one rule; returns an error message or undefined. */
function check(name: string, args: string[], v: unknown, field: string, all: Record<string, unknown>): string | undefined {
  const s = typeof v === 'string' ? v : String(v)
  switch (name) {
    case 'required':
      return isEmpty(v) ? `${field} is required` : undefined
    case 'string':
      return typeof v === 'string' ? undefined : `${field} must be a string`
    case 'integer':
    case 'int':
      return Number.isInteger(typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v) ? undefined : `${field} must be an integer`
    case 'numeric':
    case 'number':
    case 'float':
      return (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)))
        ? undefined
        : `${field} must be a number`
    case 'boolean':
    case 'bool':
      return typeof v === 'boolean' || /^(true|false|1|0)$/i.test(s) ? undefined : `${field} must be true or false`
    case 'array':
      return Array.isArray(v) || (v !== null && typeof v === 'object') ? undefined : `${field} must be a list or an object`
    case 'email':
    case 'url':
    case 'slug':
    case 'uuid':
    case 'ulid':
    case 'date': {
      const [re, what] = PATTERNS[name]!
      if (!re.test(s) || (name === 'date' && Number.isNaN(Date.parse(s)))) return `${field} must be ${what}`
      return undefined
    }
    case 'ip':
      return isIp(s) ? undefined : `${field} must be a valid IP address`
    case 'otp': {
      const n = Number(args[0] ?? 6)
      return new RegExp(`^\\d{${n}}$`).test(s) ? undefined : `${field} must be a ${n}-digit code`
    }
    case 'token': {
      const n = Number(args[0] ?? 32)
      return /^[A-Za-z0-9_-]+$/.test(s) && s.length >= n ? undefined : `${field} must be a token of at least ${n} letters, digits, - or _`
    }
    case 'password':
      return s.length >= 8 && /[a-z]/i.test(s) && /\d/.test(s) ? undefined : `${field} must have at least 8 characters with letters and digits`
    case 'phone': {
      const cc = args[0]
      const ok = /^\+?[0-9 ()-]{7,20}$/.test(s) && (!cc || s.replace(/[\s()-]/g, '').startsWith(cc))
      return ok ? undefined : `${field} must be a valid phone number${cc ? ` starting with ${cc}` : ''}`
    }
    case 'min': {
      const n = Number(args[0]), sz = size(v)
      return sz !== undefined && sz < n ? `${field} must be at least ${n}${unit(v)}` : undefined
    }
    case 'max': {
      const n = Number(args[0]), sz = size(v)
      return sz !== undefined && sz > n ? `${field} must be at most ${n}${unit(v)}` : undefined
    }
    case 'between': {
      const a = Number(args[0]), b = Number(args[1]), sz = size(v)
      return sz !== undefined && (sz < a || sz > b) ? `${field} must be between ${a} and ${b}${unit(v)}` : undefined
    }
    case 'in':
      return args.includes(s) ? undefined : `${field} must be one of: ${args.join(', ')}`
    case 'not_in':
      return args.includes(s) ? `${field} must not be one of: ${args.join(', ')}` : undefined
    case 'regex': {
      const raw = args[0] ?? ''
      const m = /^\/(.*)\/([a-z]*)$/.exec(raw)
      const re = m ? new RegExp(m[1]!, m[2]) : new RegExp(raw)
      return re.test(s) ? undefined : `${field} has an invalid format`
    }
    case 'confirmed':
    case 'matches': {
      const other = args[0] ?? `${field}_confirmation`
      return all[other] === v ? undefined : `${field} must match ${other}`
    }
    default: {
      const rule = custom.get(name)
      if (!rule) throw new Error(`Unknown validation rule "${name}" on ${field}: register it with extendValidation('${name}', fn)`)
      const r = rule(v, field, args, all)
      if (typeof r === 'string') return r
      return r === false ? `${field} is invalid` : undefined
    }
  }
}

/**
 * Validates `data` against `map`; throws a ValidationError (422) for the first failure.
 * @example
 * import { rules } from 'pionia/moonlight'
 * rules(data, { title: 'required|string|min:3', status: 'in:open,done,archived' })
 */
export function rules(data: RequestData | Record<string, unknown>, map: RuleMap): void {
  const all = data instanceof RequestData ? data.all() : data
  for (const [field, spec] of Object.entries(map)) {
    const parsed = parseRules(spec)
    const v = all[field]
    const names = new Set(parsed.map((r) => r.name))
    for (const { name, args } of parsed) {
      if (name === 'required_with' && isEmpty(v) && args.some((f) => !isEmpty(all[f]))) {
        throw new ValidationError(`${field} is required when ${args.join(', ')} is present`, field)
      }
      if (name === 'required_without' && isEmpty(v) && args.every((f) => isEmpty(all[f]))) {
        throw new ValidationError(`${field} is required when ${args.join(', ')} is missing`, field)
      }
    }
    if (isEmpty(v) && !names.has('required')) continue // optional, nullable, sometimes: skip the rest
    for (const { name, args } of parsed) {
      if (name === 'nullable' || name === 'sometimes' || name === 'required_with' || name === 'required_without') continue
      const msg = check(name, args, v, field, all)
      if (msg) throw new ValidationError(msg, field)
      if (name === 'required' && isEmpty(v)) break
    }
  }
}

/** A chainable check of one field. Ends with `get()`, which returns the value. */
export class FieldValidator {
  readonly #field: string
  readonly #all: Record<string, unknown>
  readonly #rules: string[] = []
  constructor(field: string, data: RequestData | Record<string, unknown>) {
    this.#field = field
    this.#all = data instanceof RequestData ? data.all() : data
  }
  #add(rule: string): this {
    this.#rules.push(rule)
    return this
  }
  required(): this { return this.#add('required') }
  nullable(): this { return this.#add('nullable') }
  string(): this { return this.#add('string') }
  integer(): this { return this.#add('integer') }
  numeric(): this { return this.#add('numeric') }
  boolean(): this { return this.#add('boolean') }
  email(): this { return this.#add('email') }
  url(): this { return this.#add('url') }
  min(n: number): this { return this.#add(`min:${n}`) }
  max(n: number): this { return this.#add(`max:${n}`) }
  between(a: number, b: number): this { return this.#add(`between:${a},${b}`) }
  in(...values: string[]): this { return this.#add(`in:${values.join(',')}`) }
  regex(re: RegExp): this { return this.#add(`regex:/${re.source}/${re.flags}`) }
  /** Any rule by its string form (`'phone:+256'`). */
  rule(rule: string): this { return this.#add(rule) }
  /** Runs the rules; returns the value or throws a ValidationError. */
  get<T = unknown>(): T {
    rules(this.#all, { [this.#field]: this.#rules })
    return this.#all[this.#field] as T
  }
}

/**
 * Starts a chainable validation of one field.
 * @example
 * import { validate } from 'pionia/moonlight'
 * const email = validate('email', data).required().email().get<string>()
 */
export function validate(field: string, data: RequestData | Record<string, unknown>): FieldValidator {
  return new FieldValidator(field, data)
}
