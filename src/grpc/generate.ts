/**
 * `pionia grpc:generate`: TypeScript types for the services of .proto files, from protobufjs's
 * reflection of the same files serveGrpc() loads. Per message two shapes, because a handler sees a
 * message differently on the way in and out:
 *   `Foo`     what a handler receives (serveGrpc decodes with int64 as strings, enums as names,
 *             every field present: scalars at their default, messages null, lists [] and maps {})
 *   `FooInit` what a handler may return (every field optional; int64 as number | string | bigint,
 *             enums as name or number, bytes as Uint8Array or base64)
 * Per service a handler map type (`TaskServiceHandlers`), a descriptor const (`TaskService`, with
 * each method's path and types) and, for all of them, `GrpcServiceHandlers` to type serveGrpc().
 * @module
 */
import protobuf from 'protobufjs'
import type { Schema } from './schema.js'

export interface GenerateOptions {
  /** The module the generated file imports GrpcContext from (default 'pionia/grpc'). */
  importFrom?: string
  /** Shown in the header (the .proto files, relative to the project). */
  sources?: string[]
}

const NUMBER = new Set(['double', 'float', 'int32', 'uint32', 'sint32', 'fixed32', 'sfixed32'])
const LONG = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64'])

/** Every message and enum the services need, plus every one the listed files define. */
function reachable(schema: Schema): Array<protobuf.Type | protobuf.Enum> {
  const seen = new Set<protobuf.ReflectionObject>()
  const out: Array<protobuf.Type | protobuf.Enum> = []
  const visit = (t: protobuf.ReflectionObject | null | undefined): void => {
    if (!t || seen.has(t)) return
    seen.add(t)
    if (t instanceof protobuf.Enum) out.push(t)
    else if (t instanceof protobuf.Type) {
      out.push(t)
      for (const f of t.fieldsArray) visit(f.resolve().resolvedType)
      for (const n of t.nestedArray) if (n instanceof protobuf.Type || n instanceof protobuf.Enum) visit(n)
    }
  }
  const files = new Set([...schema.services.values()].map((s) => s.file))
  const walk = (ns: protobuf.NamespaceBase): void => {
    for (const o of ns.nestedArray) {
      if ((o instanceof protobuf.Type || o instanceof protobuf.Enum) && o.filename && files.has(o.filename)) visit(o)
      if (o instanceof protobuf.Namespace && !(o instanceof protobuf.Type)) walk(o)
    }
  }
  walk(schema.root)
  for (const s of schema.services.values()) for (const m of s.methods.values()) (visit(m.requestType), visit(m.responseType))
  return out.sort((a, b) => a.fullName.localeCompare(b.fullName))
}

/** TS names: the name inside its package (nested types joined by _), the full name where two collide. */
function names(types: protobuf.ReflectionObject[]): Map<protobuf.ReflectionObject, string> {
  const short = (t: protobuf.ReflectionObject) => {
    const parts = [t.name]
    for (let p = t.parent; p instanceof protobuf.Type; p = p.parent) parts.unshift(p.name)
    return parts.join('_')
  }
  const count = new Map<string, number>()
  for (const t of types) count.set(short(t), (count.get(short(t)) ?? 0) + 1)
  const out = new Map<protobuf.ReflectionObject, string>()
  for (const t of types) {
    const s = short(t)
    out.set(t, count.get(s)! > 1 || RESERVED.has(s) ? t.fullName.replace(/^\./, '').replace(/\./g, '_') : s)
  }
  return out
}

/** Names the generated file defines itself. */
const RESERVED = new Set(['GrpcContext', 'GrpcServiceHandlers', 'Promise', 'Record', 'Uint8Array'])

const doc = (comment: string | null | undefined, indent = ''): string =>
  comment ? `${indent}/** ${comment.trim().split('\n').join(`\n${indent} * `)} */\n` : ''

const key = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name))

function scalar(type: string, init: boolean): string | undefined {
  if (NUMBER.has(type)) return 'number'
  if (LONG.has(type)) return init ? 'number | string | bigint' : 'string'
  if (type === 'bool') return 'boolean'
  if (type === 'string') return 'string'
  if (type === 'bytes') return init ? 'Uint8Array | string' : 'Uint8Array'
  return undefined
}

function fieldType(f: protobuf.Field, tsName: Map<protobuf.ReflectionObject, string>, init: boolean): string {
  const valueOf = (type: string, resolved: protobuf.Type | protobuf.Enum | null): string => {
    const s = scalar(type, init)
    if (s) return s
    if (resolved instanceof protobuf.Enum) return `${tsName.get(resolved)}${init ? ' | number' : ''}`
    if (resolved instanceof protobuf.Type) return `${tsName.get(resolved)}${init ? 'Init' : ''}`
    throw new Error(`field ${f.fullName} has type ${type}, which protobufjs could not resolve`)
  }
  const one = valueOf(f.type, f.resolvedType)
  if (f instanceof protobuf.MapField) return `Record<string, ${one}>`
  if (f.repeated) return /[ |]/.test(one) ? `Array<${one}>` : `${one}[]`
  if (f.resolvedType instanceof protobuf.Type && !init) return `${one} | null`
  return one
}

function messageSource(t: protobuf.Type, tsName: Map<protobuf.ReflectionObject, string>): string {
  const name = tsName.get(t)!
  const full = t.fullName.slice(1)
  const decoded = t.fieldsArray.map((f) => {
    f.resolve()
    // Members of a oneof (and proto3 `optional` fields) are present only when set.
    const optional = f.partOf ? '?' : ''
    return `${doc(f.comment, '  ')}  ${key(f.name)}${optional}: ${fieldType(f, tsName, false)}\n`
  })
  const init = t.fieldsArray.map((f) => `  ${key(f.name)}?: ${fieldType(f, tsName, true)} | null\n`)
  return (
    `${doc(t.comment ? `${t.comment.trim()}\n(${full}, as a handler receives it)` : `${full}, as a handler receives it.`)}` +
    `export interface ${name} {\n${decoded.join('')}}\n\n` +
    `/** ${full}, as a handler may return it (or as GrpcError details). */\n` +
    `export interface ${name}Init {\n${init.join('')}}\n`
  )
}

function enumSource(e: protobuf.Enum, tsName: Map<protobuf.ReflectionObject, string>): string {
  const values = Object.keys(e.values).map((v) => JSON.stringify(v))
  return `${doc(e.comment ?? `${e.fullName.slice(1)} (enum values by name; an unknown value arrives as its number).`)}export type ${tsName.get(e)} = ${values.join(' | ') || 'never'} | number\n`
}

/** The TypeScript source for `schema`'s services (deterministic: same input, same bytes). */
export function generateTypes(schema: Schema, options: GenerateOptions = {}): string {
  const types = reachable(schema)
  const tsName = names(types)
  const services = [...schema.services.values()].sort((a, b) => a.name.localeCompare(b.name))
  const serviceNames = names(services.map((s) => schema.root.lookupService(s.name)))
  const out: string[] = [
    `// Generated by \`npx pionia grpc:generate\` from ${options.sources?.join(', ') ?? 'the .proto files'}. Do not edit: change the .proto and run it again.\n` +
      `/* eslint-disable */\n` +
      `import type { GrpcContext } from ${JSON.stringify(options.importFrom ?? 'pionia/grpc')}\n`,
  ]
  for (const t of types) out.push(t instanceof protobuf.Enum ? enumSource(t, tsName) : messageSource(t, tsName))
  const map: string[] = []
  for (const svc of services) {
    const reflected = schema.root.lookupService(svc.name)
    let base = serviceNames.get(reflected)!
    if (types.some((t) => tsName.get(t) === base || tsName.get(t) + 'Init' === base)) base = svc.name.replace(/\./g, '_')
    const handlers: string[] = []
    const methods: string[] = []
    for (const m of svc.methods.values()) {
      const rpc = reflected.methods[m.name]!
      const req = tsName.get(m.requestType)!
      const res = tsName.get(m.responseType)!
      const path = `/${svc.name}/${m.name}`
      methods.push(
        `    ${key(m.name)}: { path: ${JSON.stringify(path)}, requestType: ${JSON.stringify(m.requestType.fullName.slice(1))}, ` +
          `responseType: ${JSON.stringify(m.responseType.fullName.slice(1))}, streaming: ${m.streaming} },\n`,
      )
      if (m.streaming) {
        handlers.push(`  // ${m.name}: a streaming rpc; rr's grpc plugin proxies unary calls only, so it has no handler here.\n`)
        continue
      }
      handlers.push(`${doc(rpc.comment, '  ')}  ${key(m.name)}: (request: ${req}, ctx: GrpcContext) => ${res}Init | Promise<${res}Init>\n`)
    }
    out.push(
      `${doc(reflected.comment ? `${reflected.comment.trim()}\n(handlers of ${svc.name})` : `Handlers of ${svc.name}: one per unary rpc, as serveGrpc() requires.`)}` +
        `export type ${base}Handlers = {\n${handlers.join('')}}\n\n` +
        `/** ${svc.name}: its name and each method's path and message types (for clients and logs). */\n` +
        `export const ${base} = {\n  name: ${JSON.stringify(svc.name)},\n  methods: {\n${methods.join('')}  },\n} as const\n`,
    )
    map.push(`  ${JSON.stringify(svc.name)}: ${base}Handlers\n`)
  }
  out.push(
    `/**\n * Every service of these files, for serveGrpc(handlers) / serve({ grpc: handlers }): a missing or\n` +
      ` * misspelt method is a type error here (and still a startup error under rr).\n */\n` +
      `export type GrpcServiceHandlers = {\n${map.join('')}}\n`,
  )
  return out.join('\n')
}
