/**
 * Loads the .proto files with protobufjs and lists the services rr serves from them: the services
 * defined in the listed files themselves (imports supply types only, as in rr's parser).
 * @module
 */
import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import protobuf from 'protobufjs'
import { GrpcSetupError } from './status.js'

export interface MethodSchema {
  name: string
  requestType: protobuf.Type
  responseType: protobuf.Type
  streaming: boolean
}

export interface ServiceSchema {
  /** `pkg.Service`, as rr's context names it. */
  name: string
  file: string
  methods: Map<string, MethodSchema>
}

export interface Schema {
  root: protobuf.Root
  services: Map<string, ServiceSchema>
}

function collect(ns: protobuf.NamespaceBase, out: protobuf.Service[]): void {
  for (const o of ns.nestedArray) {
    if (o instanceof protobuf.Service) out.push(o)
    if (o instanceof protobuf.Namespace) collect(o, out)
  }
}

/**
 * Parses `files` (absolute); imports resolve against the importing file's folder, then each listed
 * file's folder. `comments`: keep `//` comments too (for generated docs; serveGrpc needs none).
 */
export function loadSchema(files: string[], options: { comments?: boolean } = {}): Schema {
  const root = new protobuf.Root()
  const dirs = [...new Set(files.map((f) => dirname(f)))]
  root.resolvePath = (origin, target) => {
    if (target.startsWith('google/protobuf/')) return target
    for (const d of [origin ? dirname(origin) : '', ...dirs]) {
      if (!d) continue
      const p = resolve(d, target)
      if (existsSync(p)) return p
    }
    return resolve(origin ? dirname(origin) : dirs[0] ?? '.', target)
  }
  try {
    root.loadSync(files, options.comments ? { alternateCommentMode: true } : undefined)
    root.resolveAll()
  } catch (err) {
    throw new GrpcSetupError(`grpc: cannot load ${files.join(', ')}: ${(err as Error).message}; fix the .proto file (protoc would reject it too)`)
  }
  const listed = new Set(files)
  const all: protobuf.Service[] = []
  collect(root, all)
  const services = new Map<string, ServiceSchema>()
  for (const s of all) {
    if (!s.filename || !listed.has(resolve(s.filename))) continue
    const methods = new Map<string, MethodSchema>()
    for (const m of s.methodsArray) {
      methods.set(m.name, {
        name: m.name,
        requestType: m.resolvedRequestType!,
        responseType: m.resolvedResponseType!,
        streaming: Boolean(m.requestStream || m.responseStream),
      })
    }
    const name = s.fullName.replace(/^\./, '')
    services.set(name, { name, file: s.filename, methods })
  }
  return { root, services }
}
