/**
 * A field's rules as JSON Schema (for the OpenAPI document): the type, format, bounds and enum the
 * validator enforces, plus the rule string itself. Rules with no JSON Schema form (custom ones,
 * `confirmed`, `required_with`, …) stay in the description and `x-moonlight-rules`.
 * @module
 */
import { parseRules, type RuleMap, type RuleSpec } from './rules.js'

/** JSON Schema (2020-12, as OpenAPI 3.1 uses it). */
export type JsonSchema = Record<string, unknown>

const FORMATS: Record<string, string> = { email: 'email', url: 'uri', uuid: 'uuid', date: 'date' }
const PATTERNS: Record<string, string> = { slug: '^[a-z0-9]+(?:-[a-z0-9]+)*$', ulid: '^[0-7][0-9A-HJKMNP-TV-Z]{25}$' }

/** JSON Schema of one field, and whether the validator requires it. */
export function fieldSchema(spec: RuleSpec): { schema: JsonSchema; required: boolean } {
  const parsed = parseRules(spec)
  const names = new Set(parsed.map((r) => r.name))
  const text = typeof spec === 'string' ? spec : spec.join('|')
  let type: string | undefined
  if (names.has('integer') || names.has('int')) type = 'integer'
  else if (names.has('numeric') || names.has('number') || names.has('float')) type = 'number'
  else if (names.has('boolean') || names.has('bool')) type = 'boolean'
  else if (names.has('array')) type = 'array'
  else if (parsed.some((r) => r.name === 'string' || FORMATS[r.name] || PATTERNS[r.name] || r.name === 'regex' || r.name === 'in')) type = 'string'
  const schema: JsonSchema = { description: `rules: ${text}`, 'x-moonlight-rules': text }
  if (type) schema.type = names.has('nullable') ? [type, 'null'] : type
  const bound = (key: 'min' | 'max', n: number): void => {
    const k = type === 'string' ? (key === 'min' ? 'minLength' : 'maxLength')
      : type === 'array' ? (key === 'min' ? 'minItems' : 'maxItems')
      : type === 'integer' || type === 'number' ? (key === 'min' ? 'minimum' : 'maximum') : undefined
    if (k && Number.isFinite(n)) schema[k] = n
  }
  for (const { name, args } of parsed) {
    if (FORMATS[name]) schema.format = FORMATS[name]
    else if (PATTERNS[name]) schema.pattern = PATTERNS[name]
    else if (name === 'regex') {
      const m = /^\/(.*)\/[a-z]*$/s.exec(args[0] ?? '')
      schema.pattern = m ? m[1] : args[0]
    } else if (name === 'min' || name === 'max') bound(name, Number(args[0]))
    else if (name === 'between') {
      bound('min', Number(args[0]))
      bound('max', Number(args[1]))
    } else if (name === 'in') schema.enum = type === 'integer' || type === 'number' ? args.map(Number) : args
    else if (name === 'not_in') schema.not = { enum: args }
  }
  return { schema, required: names.has('required') }
}

/** An object schema of a rules map (the action's data). */
export function rulesSchema(map: RuleMap | undefined): { properties: Record<string, JsonSchema>; required: string[] } {
  const properties: Record<string, JsonSchema> = {}
  const required: string[] = []
  for (const [field, spec] of Object.entries(map ?? {})) {
    const f = fieldSchema(spec)
    properties[field] = f.schema
    if (f.required) required.push(field)
  }
  return { properties, required }
}
