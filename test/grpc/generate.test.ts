/**
 * `npx pionia grpc:generate` (the built CLI): types for DeskFlow's deskflow.v1.TaskService, the
 * committed app/grpc/types.generated.ts is current, and handlers typecheck against the output (a
 * misspelt or missing method, a wrong field type are type errors). Plus the .rr.yaml route and the
 * errors a user can hit.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import ts from 'typescript'
import { afterAll, describe, expect, it } from 'vitest'
import { ROOT } from '../helpers/rr.js'

const DESKFLOW_PROTO = join(ROOT, 'app/proto/deskflow/v1/tasks.proto')
const dir = mkdtempSync(join(tmpdir(), 'pionia-grpc-gen-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const cli = (args: string[], cwd = dir) => execa(process.execPath, [join(ROOT, 'bin/pionia.js'), 'grpc:generate', ...args], { cwd, reject: false })

/** Type errors of `files` (strict, as the repo's tsconfig), one "file: message" string each. */
function typeErrors(files: string[]): string[] {
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    types: ['node'],
    typeRoots: [join(ROOT, 'node_modules/@types')],
  })
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file ? d.file.fileName.split('/').pop() : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`)
}

describe('npx pionia grpc:generate', () => {
  const out = join(dir, 'deskflow.generated.ts')

  it('writes the message interfaces, the handler map and the descriptor of deskflow.v1.TaskService', async () => {
    const r = await cli([DESKFLOW_PROTO, `--out=${out}`, `--import-from=${join(ROOT, 'src/grpc/index.js')}`])
    expect(r.stderr).toBe('')
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/^Wrote deskflow\.generated\.ts: 1 service from .*tasks\.proto\.$/m)
    const src = readFileSync(out, 'utf8')
    // int64 arrives as a string and may be returned as number | string | bigint; a message field is null when unset
    expect(src).toMatch(/export interface Task \{[^}]*\bid: string\n[^}]*\bprojectId: string\n/)
    expect(src).toMatch(/export interface TaskInit \{[^}]*\bid\?: number \| string \| bigint \| null\n/)
    expect(src).toMatch(/export interface CreateTaskResponse \{\n  task: Task \| null\n\}/)
    expect(src).toMatch(/export interface ListTasksResponse \{\n  tasks: Task\[\]\n/)
    // the .proto's comments become doc comments
    expect(src).toContain('/** open, done or archived; "" for every status. */')
    expect(src).toContain('ListTasks: (request: ListTasksRequest, ctx: GrpcContext) => ListTasksResponseInit | Promise<ListTasksResponseInit>')
    expect(src).toContain('path: "/deskflow.v1.TaskService/CreateTask"')
    expect(src).toMatch(/export type GrpcServiceHandlers = \{\n  "deskflow\.v1\.TaskService": TaskServiceHandlers\n\}/)
  })

  it('the committed app/grpc/types.generated.ts is what the command writes (--check)', async () => {
    const args = ['app/proto/deskflow/v1/tasks.proto', '--out=app/grpc/types.generated.ts', '--import-from=../../src/grpc/index.js', '--check']
    const r = await cli(args, ROOT)
    expect(r.stdout + r.stderr).toContain('app/grpc/types.generated.ts is up to date')
    expect(r.exitCode).toBe(0)
    const stale = join(dir, 'stale.ts')
    writeFileSync(stale, '// old\n')
    const s = await cli([DESKFLOW_PROTO, `--out=${stale}`, '--check'])
    expect(s.exitCode).toBe(1)
    expect(s.stderr).toContain('stale.ts is out of date: run npx pionia grpc:generate without --check (same arguments) and commit it.')
  })

  it('a handler written against the output typechecks; a wrong method name, a missing method and a wrong field type do not', () => {
    const good = join(dir, 'good.ts')
    writeFileSync(
      good,
      `import type { GrpcServiceHandlers } from './deskflow.generated.js'
import { serveGrpc } from ${JSON.stringify(join(ROOT, 'src/grpc/index.js'))}
const handlers: GrpcServiceHandlers = {
  'deskflow.v1.TaskService': {
    ListTasks: async (req, ctx) => ({ tasks: [{ id: 1, title: req.status.toUpperCase() + ctx.method }], totalCount: req.limit, hasNext: false }),
    CreateTask: (req) => ({ task: { id: BigInt(req.projectId), title: req.title, projectId: req.projectId } }),
  },
}
export const start = () => serveGrpc(handlers)
`,
    )
    const bad = join(dir, 'bad.ts')
    writeFileSync(
      bad,
      `import type { GrpcServiceHandlers, TaskServiceHandlers } from './deskflow.generated.js'
export const misspelt: GrpcServiceHandlers = {
  'deskflow.v1.TaskService': { ListTasks: async () => ({}), CreateTask: async () => ({}), ListTask: async () => ({}) },
}
export const missing: TaskServiceHandlers = { ListTasks: async () => ({}) }
export const wrongType: TaskServiceHandlers = { ListTasks: async () => ({ totalCount: 'many' }), CreateTask: async () => ({}) }
export const wrongRequest: TaskServiceHandlers = { ListTasks: async (req) => ({ totalCount: req.limit.toFixed() }), CreateTask: async () => ({}) }
`,
    )
    // one program for both files (a TypeScript program takes seconds to build)
    const all = typeErrors([good, bad])
    expect(all.filter((e) => e.startsWith('good.ts:'))).toEqual([])
    const errors = all.filter((e) => e.startsWith('bad.ts:'))
    expect(errors.join('\n')).toMatch(/'ListTask' does not exist in type 'TaskServiceHandlers'/)
    expect(errors.join('\n')).toMatch(/Property 'CreateTask' is missing/)
    expect(errors.filter((e) => /Type 'string' is not assignable to type 'number'/.test(e))).toHaveLength(2)
    expect(errors).toHaveLength(4)
  }, 180_000)

  it('reads grpc.proto from .rr.yaml by default; a config without one, a missing file and a file without services are clear errors', async () => {
    const project = join(dir, 'project')
    mkdirSync(join(project, 'proto'), { recursive: true })
    writeFileSync(join(project, 'proto/a.proto'), 'syntax = "proto3";\npackage a.v1;\nservice Pinger { rpc Ping(PingRequest) returns (PingReply); }\nmessage PingRequest { string text = 1; }\nmessage PingReply { string text = 1; }\n')
    writeFileSync(join(project, '.rr.yaml'), 'version: "3"\ngrpc:\n  listen: tcp://127.0.0.1:9001\n  proto: ["proto/*.proto"]\n')
    const ok = await cli([], project)
    expect(ok.exitCode).toBe(0)
    expect(ok.stdout).toContain('Wrote grpc.generated.ts: 1 service from proto/a.proto.')
    expect(readFileSync(join(project, 'grpc.generated.ts'), 'utf8')).toContain('import type { GrpcContext } from "pionia/grpc"')

    writeFileSync(join(project, '.rr.yaml'), 'version: "3"\nhttp:\n  address: 127.0.0.1:8080\n')
    const none = await cli([], project)
    expect(none.exitCode).toBe(1)
    expect(none.stderr).toContain('has no grpc section')
    expect(none.stderr).toContain('Or name the files: npx pionia grpc:generate path/to/service.proto')

    const missing = await cli(['proto/nope.proto'], project)
    expect(missing.exitCode).toBe(1)
    expect(missing.stderr).toContain('proto file "proto/nope.proto" listed in the command line does not exist')

    writeFileSync(join(project, 'proto/types.proto'), 'syntax = "proto3";\npackage a.v1;\nmessage Only { string x = 1; }\n')
    const noService = await cli(['proto/types.proto'], project)
    expect(noService.exitCode).toBe(1)
    expect(noService.stderr).toContain('proto/types.proto define no service: add a service block')
  })
})
