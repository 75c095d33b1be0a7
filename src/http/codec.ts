/**
 * rr's `http.v1` protobuf messages: request context decoding and response context encoding.
 * @module
 */
import protobuf from 'protobufjs'
import { descriptor } from '../proto/http-v1.js'

const root = protobuf.Root.fromJSON(descriptor as unknown as protobuf.INamespace)
const RequestType = root.lookupType('http.v1.Request')
const ResponseType = root.lookupType('http.v1.Response')

/** Multi-valued header map as rr sends it: canonical key → values (bytes). */
export type HeaderMap = Record<string, { value?: Uint8Array[] }>

/** The decoded `http.v1.Request` context. */
export interface RequestContext {
  remote_addr: string
  protocol: string
  method: string
  uri: string
  header: HeaderMap
  cookies: HeaderMap
  raw_query: string
  parsed: boolean
  uploads: Uint8Array
  attributes: HeaderMap
}

/** Decodes the context of an HTTP request frame. */
export function decodeRequestContext(bytes: Uint8Array): RequestContext {
  const m = RequestType.decode(bytes)
  return RequestType.toObject(m, { defaults: true, bytes: Buffer as unknown as ArrayConstructor }) as unknown as RequestContext
}

/** Encodes an `http.v1.Response` context: status and headers (each name may repeat). */
export function encodeResponseContext(status: number, headers: Iterable<[string, string]>): Uint8Array {
  const map: Record<string, { value: Uint8Array[] }> = {}
  for (const [k, v] of headers) (map[k] ??= { value: [] }).value.push(Buffer.from(v, 'latin1'))
  return ResponseType.encode(ResponseType.fromObject({ status, headers: map })).finish()
}

/** Encodes a request context (used by tests and benchmarks that play rr's side). */
export function encodeRequestContext(ctx: Partial<RequestContext>): Uint8Array {
  return RequestType.encode(RequestType.fromObject(ctx)).finish()
}

/** Decodes a response context (used by tests that play rr's side). */
export function decodeResponseContext(bytes: Uint8Array): { status: number; headers: HeaderMap } {
  const m = ResponseType.toObject(ResponseType.decode(bytes), { defaults: true, longs: Number }) as {
    status: number
    headers: HeaderMap
  }
  return m
}
