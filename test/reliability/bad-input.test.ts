/**
 * Bad input through the real rr and the DeskFlow worker: each request gets the documented status and
 * envelope, and the http pool keeps the same worker processes (rr's informer pids before == after).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { connect } from 'node:net'
import { startDeskflow, type DeskflowStack } from './stack.js'
import { MAX_JSON_DEPTH } from '../../src/moonlight/http/request-data.js'

const ENVELOPE_KEYS = ['returnCode', 'returnMessage', 'returnData', 'extraData']

/** Sends raw bytes over one TCP connection and returns everything the server sent back. */
function rawHttp(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port })
    const chunks: Buffer[] = []
    s.setTimeout(30_000, () => s.destroy(new Error('raw request timed out')))
    s.on('data', (d) => chunks.push(d))
    s.on('error', reject)
    s.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')))
    s.end(bytes)
  })
}

describe('bad input through rr + DeskFlow', () => {
  let stack: DeskflowStack
  let pidsBefore: number[]

  beforeAll(async () => {
    stack = await startDeskflow()
  })
  afterAll(async () => {
    await stack?.stop()
  })
  beforeEach(async () => {
    pidsBefore = await stack.pids()
    expect(pidsBefore).toHaveLength(2)
  })
  afterEach(async () => {
    // Same worker processes: nothing crashed or was replaced; and the pool still answers.
    expect(await stack.pids()).toEqual(pidsBefore)
    const ok = await stack.call({ service: 'task', action: 'list' })
    expect(ok.body?.returnCode).toBe(0)
  })

  const expectEnvelope = (r: Awaited<ReturnType<DeskflowStack['call']>>, status: number, message: RegExp | string) => {
    expect(r.status).toBe(status)
    expect(r.headers.get('content-type')).toMatch(/application\/json/)
    expect(Object.keys(r.body!)).toEqual(ENVELOPE_KEYS)
    expect(r.body!.returnCode).toBe(status)
    if (typeof message === 'string') expect(r.body!.returnMessage).toBe(message)
    else expect(r.body!.returnMessage).toMatch(message)
  }

  it('malformed JSON: 400 saying what to send', async () => {
    expectEnvelope(await stack.call('{"service":"task",'), 400, /^Malformed JSON body .*send a JSON object/)
    expectEnvelope(await stack.call('{service: task}'), 400, /^Malformed JSON body/)
  })

  it('JSON that is not an object: 400', async () => {
    for (const body of ['[1,2,3]', '"task"', '42', 'null', 'true']) {
      expectEnvelope(await stack.call(body), 400, /^The request body must be a JSON object/)
    }
  })

  it('missing or empty service/action: 404', async () => {
    expectEnvelope(await stack.call({ action: 'list' }), 404, 'Service not defined in request data')
    expectEnvelope(await stack.call({ service: '', action: 'list' }), 404, 'Service not defined in request data')
    expectEnvelope(await stack.call({ service: 'task' }), 404, 'Action not defined in request data')
    expectEnvelope(await stack.call({ service: 'task', action: '' }), 404, 'Action not defined in request data')
    expectEnvelope(await stack.call({}), 404, 'Service not defined in request data')
    // a non-string service is "not defined", not a crash
    expectEnvelope(await stack.call({ service: { a: 1 }, action: 'list' }), 404, 'Service not defined in request data')
  })

  it('unknown service or action: 404; prototype names are not actions', async () => {
    expectEnvelope(await stack.call({ service: 'nope', action: 'list' }), 404, 'Service nope not found in API v1')
    expectEnvelope(await stack.call({ service: 'task', action: 'explode' }), 404, /^Action explodeAction not found in the task context/)
    expectEnvelope(await stack.call({ service: '__proto__', action: 'list' }), 404, /not found/)
    expectEnvelope(await stack.call({ service: 'constructor', action: 'list' }), 404, /not found/)
    expectEnvelope(await stack.call({ service: 'task', action: 'constructor' }), 404, /not found/)
    expectEnvelope(await stack.call({ service: 'task', action: 'mustAuthenticate' }), 404, /not found/)
  })

  it('wrong field types: 422 naming the field', async () => {
    const auth = await stack.login()
    expectEnvelope(await stack.call({ service: 'task', action: 'create', title: 12345 }, auth), 422, /^title must be a string/)
    expectEnvelope(await stack.call({ service: 'task', action: 'create', title: 'Typed', project_id: 'abc' }, auth), 422, /^project_id must be an integer/)
    expectEnvelope(await stack.call({ service: 'task', action: 'create', title: ['a', 'b', 'c'] }, auth), 422, /^title must be a string/)
    expectEnvelope(await stack.call({ service: 'task', action: 'list', status: 'sideways' }), 422, /^status must be one of/)
    expectEnvelope(await stack.call({ service: 'member', action: 'login', email: 'not-an-email', password: 'x' }), 422, /^email must be a valid email/)
  })

  it('invalid UTF-8 in the body: 400', async () => {
    const bytes = Buffer.concat([Buffer.from('{"service":"task","action":"list","status":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')])
    expectEnvelope(await stack.call(new Uint8Array(bytes)), 400, /not valid UTF-8/)
    // an overlong encoding of "/" is refused the same way
    const overlong = Buffer.concat([Buffer.from('{"service":"task","action":"list","x":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')])
    expectEnvelope(await stack.call(new Uint8Array(overlong)), 400, /not valid UTF-8/)
  })

  it('a 100,000-key object is read and answered; the extra keys are ignored', async () => {
    const body: Record<string, unknown> = { service: 'task', action: 'list' }
    for (let i = 0; i < 100_000; i++) body[`k${i}`] = i
    const r = await stack.call(body)
    expect(r.status).toBe(200)
    expect(r.body!.returnCode).toBe(0)
    expect(r.body!.returnData.tasks.length).toBeGreaterThan(0)
  })

  it(`nesting 10,000 deep: 400 naming the depth limit (${MAX_JSON_DEPTH})`, async () => {
    const deep = '{"service":"task","action":"list","x":' + '['.repeat(10_000) + ']'.repeat(10_000) + '}'
    expectEnvelope(await stack.call(deep), 400, new RegExp(`nested deeper than ${MAX_JSON_DEPTH} levels`))
    const deepObjects = '{"service":"task","action":"list","x":' + '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000) + '}'
    expectEnvelope(await stack.call(deepObjects), 400, new RegExp(`nested deeper than ${MAX_JSON_DEPTH} levels`))
    // brackets inside strings do not count; the limit itself is accepted
    const inString = { service: 'task', action: 'list', x: '['.repeat(10_000) }
    expect((await stack.call(inString)).body!.returnCode).toBe(0)
    let atLimit: unknown = 1
    for (let i = 1; i < MAX_JSON_DEPTH; i++) atLimit = [atLimit]
    expect((await stack.call({ service: 'task', action: 'list', x: atLimit })).body!.returnCode).toBe(0)
  })

  it('a body over max_request_size (10 MB in the shipped .rr.yaml): 413 from rr, the worker never sees it', async () => {
    expect(stack.config.http.max_request_size).toBe(10)
    const execsBefore = (await stack.workers()).reduce((n, w) => n + w.numExecs, 0)
    const big = '{"service":"task","action":"list","x":"' + 'a'.repeat(11 * 1024 * 1024) + '"}'
    const r = await stack.send('/api/v1/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: big })
    expect(r.status).toBe(413)
    const execsAfter = (await stack.workers()).reduce((n, w) => n + w.numExecs, 0)
    // rr reads the body before it picks a worker: the oversized request reached no worker
    expect(execsAfter).toBe(execsBefore)
  })

  it('oversized request headers: 431 from rr', async () => {
    const huge = 'x'.repeat(1100 * 1024)
    const reply = await rawHttp(stack.port, Buffer.from(`GET /api/v1/ping HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${huge}\r\nConnection: close\r\n\r\n`))
    expect(reply).toMatch(/^HTTP\/1\.1 431 /)
    // many headers adding up past the limit are refused the same way
    const many = Array.from({ length: 2000 }, (_, i) => `X-H${i}: ${'y'.repeat(600)}\r\n`).join('')
    const reply2 = await rawHttp(stack.port, Buffer.from(`GET /api/v1/ping HTTP/1.1\r\nHost: 127.0.0.1\r\n${many}Connection: close\r\n\r\n`))
    expect(reply2).toMatch(/^HTTP\/1\.1 431 /)
  })

  it('PUT/DELETE/PATCH to the dispatch route: 405 with Allow; GET there is the overview, never a dispatch', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const r = await stack.send('/api/v1/', { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ service: 'task', action: 'list' }) })
      expectEnvelope(r, 405, /^Method not allowed/)
      expect(r.headers.get('allow')).toBe('GET, POST')
    }
    const get = await stack.send('/api/v1/?service=task&action=list')
    expect(get.status).toBe(200)
    expect(get.body!.returnMessage).toBe('Moonlight API')
    // POST to the ping route is not a dispatch either
    const postPing = await stack.send('/api/v1/ping', { method: 'POST', body: '{}' })
    expectEnvelope(postPing, 405, /^Method not allowed/)
  })
})
