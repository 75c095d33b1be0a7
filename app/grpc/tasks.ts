/**
 * DeskFlow's deskflow.v1.TaskService (app/proto/deskflow/v1/tasks.proto) for `serve({ grpc })`:
 * each rpc runs the HTTP API's own action (task.list, task.create) through app.dispatch(), so the
 * database, validation rules and auth are the same ones. The JWT comes from the `authorization`
 * metadata ("Bearer <token>", what member.login returns) and goes through the app's auth chain;
 * Moonlight's errors become the gRPC status a client expects.
 */
// status.js and context.js, not the grpc index: the index pulls protobufjs and yaml into every worker at import
import { GrpcError, Status } from '../../src/grpc/status.js'
import type { GrpcContext } from '../../src/grpc/context.js'
import { HttpError, NotFoundError, UnauthenticatedError, UnauthorizedError, ValidationError, BadRequestError, type Moonlight } from '../../src/moonlight/index.js'
import type { GrpcServiceHandlers, TaskInit } from './types.generated.js'

interface TaskRow {
  id: number | string
  title: string
  status: string
  assignee: string | null
  project_id: number | string | null
  created_at: string | Date | null
}

const toTask = (r: TaskRow): TaskInit => ({
  id: r.id,
  title: r.title,
  status: r.status,
  assignee: r.assignee ?? '',
  projectId: r.project_id ?? 0,
  createdAt: r.created_at instanceof Date ? r.created_at.toISOString() : (r.created_at ?? ''),
})

/** The message a client gets when a call needs a member and the metadata brought none (or a refused one). */
function unauthenticated(method: string, ctx: GrpcContext): GrpcError {
  const header = ctx.get('authorization')
  if (!header) {
    return new GrpcError(Status.UNAUTHENTICATED, `${method} needs a logged-in member: send the metadata "authorization: Bearer <token>" with the token member.login returns`)
  }
  if (!/^Bearer\s+\S+$/i.test(header)) {
    return new GrpcError(Status.UNAUTHENTICATED, `${method}: the authorization metadata must be "Bearer <token>" (got a value without the Bearer scheme)`)
  }
  return new GrpcError(Status.UNAUTHENTICATED, `${method}: the token in the authorization metadata was refused (expired, wrong signature, or its member no longer exists): log in again with member.login`)
}

/** Moonlight's client errors as gRPC statuses; anything else propagates (INTERNAL, logged by serveGrpc). */
function toGrpc(err: unknown, method: string, ctx: GrpcContext): unknown {
  if (err instanceof UnauthenticatedError) return unauthenticated(method, ctx)
  if (err instanceof UnauthorizedError) return new GrpcError(Status.PERMISSION_DENIED, err.message)
  if (err instanceof ValidationError || err instanceof BadRequestError) return new GrpcError(Status.INVALID_ARGUMENT, err.message)
  if (err instanceof NotFoundError) return new GrpcError(Status.NOT_FOUND, err.message)
  if (err instanceof HttpError) return new GrpcError(err.code === 429 ? Status.RESOURCE_EXHAUSTED : err.code === 503 ? Status.UNAVAILABLE : Status.FAILED_PRECONDITION, err.message)
  return err
}

/** Runs `task.<action>` as the caller of this gRPC call; returns the envelope's returnData. */
async function run(app: Moonlight, ctx: GrpcContext, action: string, data: Record<string, unknown>): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = {}
  const authorization = ctx.get('authorization')
  if (authorization) headers.authorization = authorization
  for (const k of Object.keys(data)) if (data[k] === undefined) delete data[k]
  const request = new Request(`http://localhost${app.apiBase}${app.defaultSwitch}`, { method: 'POST', headers })
  try {
    const envelope = await app.dispatch({ service: 'task', action, data, request, authenticate: true })
    return (envelope.returnData ?? {}) as Record<string, unknown>
  } catch (err) {
    throw toGrpc(err, `${ctx.service}/${ctx.method}`, ctx)
  }
}

/** Proto3 has no "unset" for scalars: "" and 0 mean "not given" here, as the .proto says. */
const given = <T>(v: T, none: T): T | undefined => (v === none ? undefined : v)

/** The handlers for `serve({ grpc: deskflowGrpc(app) })` (RR_MODE=grpc). */
export function deskflowGrpc(app: Moonlight): GrpcServiceHandlers {
  return {
    'deskflow.v1.TaskService': {
      async ListTasks(req, ctx) {
        const out = await run(app, ctx, 'list', { status: given(req.status, ''), limit: given(req.limit, 0), offset: given(req.offset, 0) })
        return {
          tasks: (out.tasks as TaskRow[]).map(toTask),
          totalCount: Number(out.total_count),
          hasNext: Boolean(out.has_next),
          nextOffset: Number(out.next_offset ?? 0),
        }
      },
      async CreateTask(req, ctx) {
        const projectId = given(req.projectId, '0')
        const out = await run(app, ctx, 'create', {
          title: req.title,
          status: given(req.status, ''),
          assignee: given(req.assignee, ''),
          project_id: projectId === undefined ? undefined : Number(projectId),
        })
        return { task: toTask(out.task as TaskRow) }
      },
    },
  }
}
