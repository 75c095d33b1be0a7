/**
 * DeskFlow's deskflow.v1.TaskService under the real rr: the repository's .rr.yaml with its commented
 * grpc section switched on (as a user uncomments it), served by the same worker.ts as the API.
 * Called by @grpc/grpc-js and by grpcurl: list, create with a member's JWT from member.login,
 * UNAUTHENTICATED for a missing or refused token, INVALID_ARGUMENT from the API's own rules, and a
 * task created over gRPC listed over HTTP (the same database and the same task-list cache).
 */
import * as grpc from '@grpc/grpc-js'
import { execFile, execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import protobuf from 'protobufjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { ROOT, freePort, processesMatching, startRr, type RrInstance } from '../helpers/rr.js'
import { repoRrConfig, tempProject, type TempProject } from './project.js'
import { call } from './walkthrough.js'

const PROTO_ROOT = join(ROOT, 'app/proto')
const PROTO = 'deskflow/v1/tasks.proto'
const types = protobuf.loadSync(join(PROTO_ROOT, PROTO))
const run = promisify(execFile)

/** The `# grpc:` block of the repository's .rr.yaml, uncommented and parsed. */
function documentedGrpcSection(): Record<string, any> {
  const lines = readFileSync(join(ROOT, '.rr.yaml'), 'utf8').split('\n')
  const start = lines.indexOf('# grpc:')
  expect(start, '.rr.yaml has a commented "# grpc:" section').toBeGreaterThan(0)
  const block: string[] = []
  for (const line of lines.slice(start)) {
    if (!line.startsWith('#')) break
    block.push(line.replace(/^# ?/, ''))
  }
  return (parse(block.join('\n')) as { grpc: Record<string, any> }).grpc
}

function grpcurlBinary(): string {
  const path = process.env.PIONIA_GRPCURL_BIN || execFileSync('bash', [join(ROOT, 'scripts/build-grpcurl'), '--path'], { encoding: 'utf8' }).trim()
  if (!existsSync(path)) throw new Error(`grpcurl not found at ${path}: run bash scripts/build-grpcurl first (CI does this in .ci/run)`)
  return path
}

let rr: RrInstance
let project: TempProject
let base: string
let grpcPort: number
let client: grpc.Client
let workersAtStart: number[]
const marker = `--deskflow-grpc-test=${process.pid}`

/** One unary call to deskflow.v1.TaskService/<method> with @grpc/grpc-js. */
function rpc<T = any>(method: 'ListTasks' | 'CreateTask', body: Record<string, unknown>, metadata: Record<string, string> = {}): Promise<T> {
  const req = types.lookupType(`deskflow.v1.${method}Request`)
  const res = types.lookupType(`deskflow.v1.${method}Response`)
  const md = new grpc.Metadata()
  for (const [k, v] of Object.entries(metadata)) md.set(k, v)
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(
      `/deskflow.v1.TaskService/${method}`,
      (v: Record<string, unknown>) => Buffer.from(req.encode(req.fromObject(v)).finish()),
      (b: Buffer) => res.toObject(res.decode(b), { longs: String, defaults: true }) as T,
      body,
      md,
      { deadline: Date.now() + 30_000 },
      (err, value) => (err ? reject(err) : resolve(value as T)),
    ),
  )
}

const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('the call succeeded; a status error was expected') }, (e: grpc.ServiceError) => e)

async function login(): Promise<string> {
  const r = await call((path, init) => fetch(`${base}${path}`, init), { service: 'member', action: 'login', email: 'alex@northwind.studio', password: 'secret' })
  expect(r.body.returnCode).toBe(0)
  return r.body.returnData.token as string
}

async function httpTitles(): Promise<string[]> {
  const r = await call((path, init) => fetch(`${base}${path}`, init), { service: 'task', action: 'list', limit: 100 })
  expect(r.body.returnCode).toBe(0)
  return r.body.returnData.tasks.map((t: { title: string }) => t.title)
}

beforeAll(async () => {
  project = tempProject({ env: { DEBUG: 'false' } })
  const { config, httpPort } = await repoRrConfig([marker])
  grpcPort = await freePort()
  const section = documentedGrpcSection()
  // the documented block, on a free port, its proto path from the repository (rr runs in the temp project)
  config.grpc = { ...section, listen: `tcp://127.0.0.1:${grpcPort}`, proto: section.proto.map((p: string) => join(ROOT, p)) }
  base = `http://127.0.0.1:${httpPort}`
  rr = await startRr({ config, cwd: project.root, waitForUrl: `${base}/api/v1/ping`, waitForPort: grpcPort })
  client = new grpc.Client(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure())
  workersAtStart = processesMatching(marker).sort()
}, 120_000)

afterAll(async () => {
  client?.close()
  await rr?.stop()
  project?.cleanup()
})

describe('DeskFlow over gRPC (deskflow.v1.TaskService)', () => {
  it('ListTasks answers the seed tasks, by status and a page at a time', async () => {
    const all = await rpc('ListTasks', {})
    expect(all.tasks.map((t: { title: string }) => t.title)).toEqual(['Review homepage mockups', 'Prepare sprint retro notes', 'Update client project brief'])
    expect(all.tasks[0]).toMatchObject({ id: '1', status: 'open', assignee: 'alex@northwind.studio', projectId: '1' })
    expect(all).toMatchObject({ totalCount: 3, hasNext: false })
    const page = await rpc('ListTasks', { limit: 1, offset: 1 })
    expect(page.tasks).toHaveLength(1)
    expect(page).toMatchObject({ totalCount: 3, hasNext: true, nextOffset: 2 })
    const bad = await failure(rpc('ListTasks', { status: 'later' }))
    expect(bad.code).toBe(grpc.status.INVALID_ARGUMENT)
    expect(bad.details).toMatch(/status/)
  })

  it('CreateTask without a token, with a malformed one and with a refused one: UNAUTHENTICATED naming the fix', async () => {
    const none = await failure(rpc('CreateTask', { title: 'Ship the gRPC docs' }))
    expect(none.code).toBe(grpc.status.UNAUTHENTICATED)
    expect(none.details).toBe('deskflow.v1.TaskService/CreateTask needs a logged-in member: send the metadata "authorization: Bearer <token>" with the token member.login returns')
    const scheme = await failure(rpc('CreateTask', { title: 'Ship the gRPC docs' }, { authorization: 'Token abc' }))
    expect(scheme.code).toBe(grpc.status.UNAUTHENTICATED)
    expect(scheme.details).toMatch(/must be "Bearer <token>"/)
    const token = await login()
    const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA')
    const refused = await failure(rpc('CreateTask', { title: 'Ship the gRPC docs' }, { authorization: `Bearer ${forged}` }))
    expect(refused.code).toBe(grpc.status.UNAUTHENTICATED)
    expect(refused.details).toMatch(/token in the authorization metadata was refused .*log in again with member\.login/)
    expect(await httpTitles()).not.toContain('Ship the gRPC docs')
  })

  it('CreateTask with the JWT from member.login: the task, visible over HTTP and over gRPC; the API rules apply', async () => {
    const auth = { authorization: `Bearer ${await login()}` }
    const short = await failure(rpc('CreateTask', { title: 'Hi' }, auth))
    expect(short.code).toBe(grpc.status.INVALID_ARGUMENT)
    expect(short.details).toBe('title must be at least 3 characters')
    expect(await httpTitles()).toEqual(['Review homepage mockups', 'Prepare sprint retro notes', 'Update client project brief'])

    const created = await rpc('CreateTask', { title: 'Wire up gRPC clients', projectId: 2 }, auth)
    expect(created.task).toMatchObject({ title: 'Wire up gRPC clients', status: 'open', assignee: 'alex@northwind.studio', projectId: '2' })
    expect(Number(created.task.id)).toBeGreaterThan(3)
    expect(created.task.createdAt).not.toBe('')
    // HTTP lists it (a different worker pool; the cached list was flushed through rr KV)
    expect(await httpTitles()).toContain('Wire up gRPC clients')
    const listed = await rpc('ListTasks', { status: 'open', limit: 100 })
    expect(listed.tasks.map((t: { id: string }) => t.id)).toContain(created.task.id)
  })

  it('grpcurl with the .proto: ListTasks, and CreateTask with -H authorization', async () => {
    const grpcurl = (method: string, data: unknown, ...extra: string[]) =>
      run(grpcurlBinary(), ['-plaintext', '-import-path', PROTO_ROOT, '-proto', PROTO, ...extra, '-d', JSON.stringify(data), `127.0.0.1:${grpcPort}`, `deskflow.v1.TaskService/${method}`], { encoding: 'utf8' })
    const token = await login()
    const { stdout } = await grpcurl('CreateTask', { title: 'Created by grpcurl', assignee: 'sam@northwind.studio' }, '-H', `authorization: Bearer ${token}`)
    const task = (JSON.parse(stdout) as { task: Record<string, unknown> }).task
    expect(task).toMatchObject({ title: 'Created by grpcurl', status: 'open', assignee: 'sam@northwind.studio' })
    const list = JSON.parse((await grpcurl('ListTasks', { limit: 100 })).stdout) as { tasks: Array<{ title: string }> }
    expect(list.tasks.map((t) => t.title)).toContain('Created by grpcurl')
    expect(await httpTitles()).toContain('Created by grpcurl')
    const err = await grpcurl('CreateTask', { title: 'No token' }).then(() => undefined, (e: { stdout: string; stderr: string }) => e)
    expect(err?.stdout + '' + err?.stderr).toMatch(/Code: Unauthenticated[\s\S]*needs a logged-in member/)
  })

  it('the workers that served all of this are the ones rr started (none died or was replaced)', async () => {
    expect(workersAtStart.length).toBeGreaterThanOrEqual(3)
    expect(processesMatching(marker).sort()).toEqual(workersAtStart)
    expect(rr.output()).not.toMatch(/TaskService\/\w+ failed/)
  })
})
