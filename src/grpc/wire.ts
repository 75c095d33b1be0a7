/**
 * The frames rr's grpc plugin exchanges with a worker (see README "gRPC: the wire contract"):
 * request context JSON in, response context JSON out, errors as a base64 `google.rpc.Status`.
 * @module
 */
import protobuf from 'protobufjs'

/** The request context rr sends: `{"service":"pkg.Svc","method":"M","context":{key:[values]}}`. */
export interface CallContext {
  service: string
  method: string
  context: Record<string, string[]>
}

/** Parses the request context; a malformed one names what is wrong. */
export function parseCallContext(bytes: Uint8Array): CallContext {
  let v: unknown
  try {
    v = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'))
  } catch {
    throw new Error('the request context is not JSON: is this worker behind rr\'s grpc plugin (RR_MODE=grpc)?')
  }
  const o = v as Partial<CallContext> | null
  if (!o || typeof o.service !== 'string' || typeof o.method !== 'string') {
    throw new Error('the request context has no service/method: is this worker behind rr\'s grpc plugin (RR_MODE=grpc)?')
  }
  if (!o.context || typeof o.context !== 'object') o.context = {}
  return o as CallContext
}

/** Encodes `google.rpc.Status{code, message, details: Any[]}` (field numbers 1, 2, 3; Any: 1, 2). */
export function encodeStatus(code: number, message: string, details: ReadonlyArray<{ typeUrl: string; value: Uint8Array }>): Uint8Array {
  const w = protobuf.Writer.create()
  if (code) w.uint32(8).int32(code)
  if (message) w.uint32(18).string(message)
  for (const d of details) w.uint32(26).fork().uint32(10).string(d.typeUrl).uint32(18).bytes(d.value).ldelim()
  return w.finish()
}

/**
 * The response context: `headers` and `trailers` are JSON objects of string values, each sent as a
 * JSON string (rr's proxy decodes them a second time); `error` is the base64 Status. `headers` is
 * always present with an error: without it rr's backward-compatible path would also send `error`
 * to the client as a header.
 */
export function responseContext(
  headers: Record<string, string> | undefined,
  trailers: Record<string, string> | undefined,
  status?: Uint8Array,
): Buffer | undefined {
  if (!headers && !trailers && !status) return undefined
  const o: Record<string, string> = {}
  if (headers || status) o.headers = JSON.stringify(headers ?? {})
  if (trailers) o.trailers = JSON.stringify(trailers)
  if (status) o.error = Buffer.from(status.buffer, status.byteOffset, status.byteLength).toString('base64')
  return Buffer.from(JSON.stringify(o))
}
