/**
 * serveGrpc(): checks the handlers against the .proto files once at startup, then answers every
 * call rr's grpc plugin sends: decode the request, run the handler, encode the response or status.
 * @module
 */
import type protobuf from 'protobufjs'
import type { Payload, PayloadHandler, RunOptions, Worker } from '../worker/index.js'
import { runWorker } from '../worker/run.js'
import { answerProbe } from '../worker/probe.js'
import { CallContextImpl, type GrpcContext } from './context.js'
import { readGrpcConfig, resolveProtos } from './config.js'
import { loadSchema, type MethodSchema, type Schema } from './schema.js'
import { GrpcError, GrpcSetupError, Status, type GrpcErrorDetail } from './status.js'
import { encodeStatus, parseCallContext, responseContext } from './wire.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type GrpcHandler<Req = any, Res = any> = (request: Req, ctx: GrpcContext) => Promise<Res> | Res

/** Handlers per full service name (`pkg.Service`), per method name as in the .proto. */
export type GrpcServices = Record<string, Record<string, GrpcHandler>>

export interface GrpcOptions {
  /** The rr config to take `grpc.proto` and exec_ttl from (default $PIONIA_RR_CONFIG, else ./.rr.yaml). */
  config?: string
  /** .proto files to use instead of the config's list (paths relative to the working directory). */
  protos?: string[]
  /** Where diagnostics go (default stderr, which rr logs). */
  log?: (line: string) => void
}

interface Route {
  schema: MethodSchema
  handler: GrpcHandler
  label: string
}

/** How requests become objects: int64 as strings (exact), enums as names, defaults filled in. */
const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: String, defaults: true, arrays: true, objects: true }

function suggest(name: string, among: Iterable<string>): string {
  const list = [...among]
  const lower = name.toLowerCase()
  const hit = list.find((c) => c.toLowerCase() === lower || c.toLowerCase().endsWith('.' + lower))
  return hit ? ` Did you mean "${hit}"?` : ''
}

/** Checks `services` against the schema: every unary method has a handler and every handler a method. */
function routes(services: GrpcServices, schema: Schema, where: string): Map<string, Map<string, Route>> {
  const out = new Map<string, Map<string, Route>>()
  const problems: string[] = []
  for (const [svcName, handlers] of Object.entries(services)) {
    const svc = schema.services.get(svcName)
    if (!svc) {
      problems.push(
        `serveGrpc() has handlers for "${svcName}", which no file in ${where} defines (services there: ${[...schema.services.keys()].join(', ') || 'none'}).` +
          suggest(svcName, schema.services.keys()),
      )
      continue
    }
    const table = new Map<string, Route>()
    for (const [method, handler] of Object.entries(handlers ?? {})) {
      const m = svc.methods.get(method)
      if (!m) {
        problems.push(`${svcName} has no method "${method}" in ${svc.file} (its methods: ${[...svc.methods.keys()].join(', ')}); rename the handler or add the rpc to the .proto.${suggest(method, svc.methods.keys())}`)
      } else if (typeof handler !== 'function') {
        problems.push(`${svcName}.${method} must be a function (request, ctx) => response, got ${typeof handler}`)
      } else if (m.streaming) {
        problems.push(`${svcName}.${method} is a streaming rpc; rr's grpc plugin proxies unary calls only: make it unary or serve it elsewhere`)
      } else table.set(method, { schema: m, handler, label: `${svcName}/${method}` })
    }
    for (const m of svc.methods.values()) {
      if (!m.streaming && !(m.name in (handlers ?? {}))) {
        problems.push(`${svcName}.${m.name} has no handler: add ${m.name}: async (request, ctx) => ({ ... }) under '${svcName}' in serveGrpc()`)
      }
    }
    out.set(svcName, table)
  }
  for (const svc of schema.services.values()) {
    if (!(svc.name in services)) {
      problems.push(`${svc.file} defines ${svc.name}, but serveGrpc() has no handlers for it; rr sends its calls to this worker: add '${svc.name}': { ... }`)
    }
  }
  if (problems.length) throw new GrpcSetupError(`grpc: handlers and .proto files disagree:\n  - ${problems.join('\n  - ')}`)
  return out
}

/**
 * The payload handler behind serveGrpc() (for `serve({ modes: { grpc } })` or your own loop).
 * Throws GrpcSetupError when the handlers do not match the .proto files.
 */
export function createGrpcHandler(services: GrpcServices, options: GrpcOptions = {}): PayloadHandler {
  const cfg = options.protos
    ? { protos: resolveProtos(options.protos, process.cwd(), 'serveGrpc({ protos })'), execTtlMs: undefined }
    : readGrpcConfig(options.config)
  const where = options.protos ? 'serveGrpc({ protos })' : '.rr.yaml grpc.proto'
  const schema = loadSchema(cfg.protos)
  const table = routes(services, schema, where)
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'))
  const ttl = cfg.execTtlMs

  const fail = (worker: Worker, p: Payload, code: number, message: string, ctx?: CallContextImpl, details: ReadonlyArray<{ typeUrl: string; value: Uint8Array }> = []) =>
    worker.respond({ context: responseContext(ctx?.headers, ctx?.trailers, encodeStatus(code, message, details)), codec: p.codec })

  const packDetails = (details: readonly GrpcErrorDetail[], label: string) => {
    const out: Array<{ typeUrl: string; value: Uint8Array }> = []
    for (const d of details) {
      try {
        let value = d.value
        if (!(value instanceof Uint8Array)) {
          const t = schema.root.lookupType(d.type)
          value = t.encode(t.fromObject(value)).finish()
        }
        out.push({ typeUrl: `type.googleapis.com/${d.type}`, value })
      } catch (err) {
        log(`[pionia] grpc: ${label}: error detail "${d.type}" dropped: ${(err as Error).message}. Import the .proto that defines it into a file of ${where}, or pass the encoded bytes as value`)
      }
    }
    return out
  }

  return async (p, worker) => {
    let call
    try {
      call = parseCallContext(p.context)
    } catch (err) {
      log(`[pionia] grpc: ${(err as Error).message}`)
      return fail(worker, p, Status.INTERNAL, (err as Error).message)
    }
    const route = table.get(call.service)?.get(call.method)
    if (!route) {
      const msg = `this worker has no handler for /${call.service}/${call.method}`
      log(`[pionia] grpc: ${msg}; the worker and rr read different .proto files: restart rr after changing ${where}`)
      return fail(worker, p, Status.UNIMPLEMENTED, msg)
    }
    const { requestType, responseType } = route.schema
    let request
    try {
      request = requestType.toObject(requestType.decode(p.body), TO_OBJECT)
    } catch (err) {
      const msg = `request body is not a ${requestType.fullName.slice(1)}: ${(err as Error).message}`
      log(`[pionia] grpc: ${route.label}: ${msg}; the client must encode the request type of ${route.label} from the same .proto`)
      return fail(worker, p, Status.INVALID_ARGUMENT, msg)
    }
    const ctx = new CallContextImpl(call.service, call.method, call.context, ttl)
    let result
    try {
      result = await route.handler(request, ctx)
    } catch (err) {
      if (err instanceof GrpcError) return fail(worker, p, err.code, err.message, ctx, err.details.length ? packDetails(err.details, route.label) : [])
      log(`[pionia] grpc: ${route.label} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
      return fail(worker, p, Status.INTERNAL, `${route.label} failed (the worker logged the error; throw GrpcError for a status the client should see)`, ctx)
    }
    let body
    try {
      body = responseType.encode(responseType.fromObject((result ?? {}) as Record<string, unknown>)).finish()
    } catch (err) {
      const msg = `${route.label} returned a value that is not a ${responseType.fullName.slice(1)}: ${(err as Error).message}`
      log(`[pionia] grpc: ${msg}`)
      return fail(worker, p, Status.INTERNAL, msg, ctx)
    }
    return worker.respond({ body, context: responseContext(ctx.headers, ctx.trailers), codec: p.codec })
  }
}

/**
 * Serves gRPC calls under rr (RR_MODE=grpc): handlers per service and method of the .proto files
 * that `.rr.yaml` grpc.proto lists. A handler that does not match them stops the worker at startup.
 * @example
 * import { serveGrpc, GrpcError, Status } from 'pionia/grpc'
 * await serveGrpc({
 *   'deskflow.v1.TaskService': {
 *     ListTasks: async (req, ctx) => ({ tasks: [] }),
 *     CreateTask: async (req) => { throw new GrpcError(Status.UNIMPLEMENTED, 'soon') },
 *   },
 * })
 */
export async function serveGrpc(services: GrpcServices, options: GrpcOptions & RunOptions = {}): Promise<void> {
  answerProbe(['grpc'])
  let handler: PayloadHandler
  try {
    handler = createGrpcHandler(services, options)
  } catch (err) {
    process.stderr.write(`[pionia] ${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 1
    return
  }
  return runWorker(handler, options)
}
