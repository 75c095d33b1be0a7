/** A @grpc/grpc-js client for the test protos: unary calls with protobufjs (de)serialisers. */
import * as grpc from '@grpc/grpc-js'
import protobuf from 'protobufjs'
import { join } from 'node:path'
import { ROOT } from '../helpers/rr.js'

export const PROTO_DIR = join(ROOT, 'test/grpc/fixtures/proto')
export const root = protobuf.loadSync([join(PROTO_DIR, 'echo.proto'), join(PROTO_DIR, 'errors.proto')])

export interface CallResult<T = Record<string, unknown>> {
  message: T
  headers: grpc.Metadata
  trailers: grpc.Metadata
}

export function client(address: string, credentials = grpc.credentials.createInsecure(), options: grpc.ChannelOptions = {}) {
  const c = new grpc.Client(address, credentials, options)
  return {
    raw: c,
    close: () => c.close(),
    /** Calls /test.v1.EchoService/<method>; `body` is an object (encoded as `reqType`) or raw bytes. */
    call<T = Record<string, unknown>>(method: string, body: Record<string, unknown> | Buffer, opts: { reqType?: string; resType?: string; metadata?: Record<string, string>; deadlineMs?: number; service?: string } = {}): Promise<CallResult<T>> {
      const reqType = root.lookupType(opts.reqType ?? 'test.v1.EchoRequest')
      const resType = root.lookupType(opts.resType ?? 'test.v1.EchoResponse')
      const md = new grpc.Metadata()
      for (const [k, v] of Object.entries(opts.metadata ?? {})) md.set(k, v)
      let headers = new grpc.Metadata()
      let lastMessage: T | undefined
      return new Promise((resolve, reject) => {
        const call = c.makeUnaryRequest(
          `/${opts.service ?? 'test.v1.EchoService'}/${method}`,
          (v: Record<string, unknown> | Buffer) => (Buffer.isBuffer(v) ? v : Buffer.from(reqType.encode(reqType.fromObject(v)).finish())),
          (b: Buffer) => resType.toObject(resType.decode(b), { longs: String, defaults: true }) as T,
          body,
          md,
          opts.deadlineMs ? { deadline: Date.now() + opts.deadlineMs } : {},
          (err, message) => {
            if (err) reject(err)
            else lastMessage = message
          },
        )
        call.on('metadata', (m) => (headers = m))
        call.on('status', (s) => {
          if (s.code === grpc.status.OK) resolve({ message: lastMessage as T, headers, trailers: s.metadata })
        })
      })
    },
  }
}

/** Decodes grpc-status-details-bin (google.rpc.Status) into code, message and details. */
export function statusDetails(err: grpc.ServiceError): { code: number; message: string; details: Array<{ typeUrl: string; value: Uint8Array }> } {
  const bin = err.metadata.get('grpc-status-details-bin')[0] as Buffer | undefined
  if (!bin) throw new Error('no grpc-status-details-bin trailer')
  const r = protobuf.Reader.create(bin)
  const out = { code: 0, message: '', details: [] as Array<{ typeUrl: string; value: Uint8Array }> }
  while (r.pos < r.len) {
    const tag = r.uint32()
    if (tag === 8) out.code = r.int32()
    else if (tag === 18) out.message = r.string()
    else if (tag === 26) {
      const any = protobuf.Reader.create(r.bytes())
      const d: { typeUrl: string; value: Uint8Array } = { typeUrl: '', value: new Uint8Array() }
      while (any.pos < any.len) {
        const t = any.uint32()
        if (t === 10) d.typeUrl = any.string()
        else if (t === 18) d.value = any.bytes()
        else any.skipType(t & 7)
      }
      out.details.push(d)
    } else r.skipType(tag & 7)
  }
  return out
}
