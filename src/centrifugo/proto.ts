/**
 * Loads the generated Centrifugo descriptors (proxy and API) into protobufjs once, and the two
 * conversions every message needs: decode to plain objects (int64 as numbers, bytes as Buffers,
 * defaults filled in) and encode from plain objects whose bytes fields may hold JSON values.
 * @module
 */
import type protobuf from 'protobufjs'
import { lazyRequire } from '../util/lazy-require.js'
import { descriptor as proxyDescriptor } from '../generated/centrifugo-proxy-v1.js'
import { descriptor as apiDescriptor } from '../generated/centrifugo-api-v1.js'

/** protobufjs loads with the first message type asked for. */
const protobufjs = lazyRequire<typeof protobuf>('protobufjs')
let proxyRoot: protobuf.Root | undefined
let apiRoot: protobuf.Root | undefined

const PROXY = 'centrifugal.centrifugo.proxy.'
const API = 'centrifugal.centrifugo.api.'

/** A message type of the proxy protocol (`ConnectRequest`, `RPCResponse`, …). */
export function proxyType(name: string): protobuf.Type {
  proxyRoot ??= protobufjs().Root.fromJSON(proxyDescriptor as unknown as protobuf.INamespace)
  return proxyRoot.lookupType(PROXY + name)
}

/** A message type of the server API (`PublishRequest`, `PublishResponse`, …). */
export function apiType(name: string): protobuf.Type {
  apiRoot ??= protobufjs().Root.fromJSON(apiDescriptor as unknown as protobuf.INamespace)
  return apiRoot.lookupType(API + name)
}

const DECODE_OPTIONS: protobuf.IConversionOptions = { longs: Number, defaults: true, arrays: true, objects: true }

/** Decodes bytes into a plain object with every field present. Throws protobufjs' error on bad input. */
export function decodeMessage<T>(type: protobuf.Type, bytes: Uint8Array): T {
  return type.toObject(type.decode(bytes), DECODE_OPTIONS) as T
}

/** Encodes a plain object. Bytes fields holding anything but a Uint8Array are JSON-encoded first. */
export function encodeMessage(type: protobuf.Type, value: object): Uint8Array {
  return type.encode(type.fromObject(toBytesFields(type, value as Record<string, unknown>))).finish()
}

/** JSON-encodes a value for a bytes field; Uint8Array passes through. */
export function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value
  const json = JSON.stringify(value)
  if (json === undefined) {
    throw new TypeError(`cannot send ${typeof value} as Centrifugo data: use a JSON value or a Uint8Array`)
  }
  return Buffer.from(json, 'utf8')
}

/** Walks `value` along `type`'s fields, turning bytes fields into Uint8Arrays (nested messages and maps too). */
function toBytesFields(type: protobuf.Type, value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) {
    const field = type.fields[key]
    if (!field) {
      const known = Object.keys(type.fields).join(', ')
      throw new TypeError(`${type.name} has no field "${key}" (fields: ${known})`)
    }
    if (v === undefined) continue
    field.resolve()
    if (field.type === 'bytes') {
      out[key] = field.repeated ? (v as unknown[]).map(toBytes) : toBytes(v)
    } else if (field.resolvedType instanceof protobufjs().Type && v !== null) {
      const sub = field.resolvedType
      if (field.map) {
        out[key] = Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, toBytesFields(sub, x as Record<string, unknown>)]))
      } else if (field.repeated) {
        out[key] = (v as Record<string, unknown>[]).map((x) => toBytesFields(sub, x))
      } else {
        out[key] = toBytesFields(sub, v as Record<string, unknown>)
      }
    } else {
      out[key] = v
    }
  }
  return out
}
