import { describe, expect, it } from 'vitest'
import { createApp, Service, response, defer, async, type JobQueue, type MoonlightJob, type RequestData } from '../../src/moonlight/index.js'
import { post, recordingLogger, tempRoot } from './helpers.js'

const events: string[] = []

class WorkService extends Service {
  async deferAction() {
    defer(() => events.push('deferred 1'))
    defer(async () => {
      await new Promise((r) => setTimeout(r, 5))
      events.push('deferred 2')
      defer(() => events.push('nested'))
    })
    defer(() => {
      throw new Error('deferred failure')
    })
    events.push('action')
    return response(0, 'done')
  }
  async closureAction() {
    const result = async(() => 21 * 2)
    void result.then((v) => events.push(`closure resolved ${v}`))
    return response(0, 'queued')
  }
  async jobAction(data: RequestData) {
    void async('work', 'record', { n: data.getInt('n') }).then((v) => events.push(`job ${JSON.stringify(v)}`))
    void async('work', 'record', { n: (data.getInt('n') ?? 0) + 1 })
    return response(0, 'job queued')
  }
  async viaAppAction(data: RequestData) {
    return this.request.app.async('work', 'record', { n: data.getInt('n'), service: 'ignored' })
  }
  async recordAction(data: RequestData) {
    events.push(`record ${data.getInt('n')}`)
    return response(0, 'recorded', { n: data.getInt('n') })
  }
}

function makeApp(ini = '') {
  const { root } = tempRoot(ini)
  const logger = recordingLogger()
  return { app: createApp({ root, logger, switches: { v1: { work: WorkService } } }), logger }
}

const until = async (cond: () => boolean): Promise<void> => {
  while (!cond()) await new Promise((r) => setTimeout(r, 5))
}

describe('defer()', () => {
  it('runs after the response body has been read, in order, logging failures and running nested defers', async () => {
    events.length = 0
    const { app, logger } = makeApp()
    const res = await app.fetch(new Request('http://localhost/api/v1/', { method: 'POST', body: '{"service":"work","action":"defer"}' }))
    await new Promise((r) => setTimeout(r, 30))
    expect(events).toEqual(['action']) // nothing runs while the body is unread
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(await res.clone().text())))
    expect((await res.json() as any).returnMessage).toBe('done')
    await until(() => events.includes('nested'))
    expect(events).toEqual(['action', 'deferred 1', 'deferred 2', 'nested'])
    expect(logger.lines.find((l) => l.level === 'error')?.message).toBe('Deferred async closure failed: deferred failure')
  })

  it('async(fn) resolves with the closure result after the response', async () => {
    events.length = 0
    const { app } = makeApp()
    expect((await post(app, { service: 'work', action: 'closure' })).body.returnMessage).toBe('queued')
    await until(() => events.length > 0)
    expect(events).toEqual(['closure resolved 42'])
  })

  it('runs outside a request on the next turn', async () => {
    let ran = false
    defer(() => (ran = true))
    expect(ran).toBe(false)
    await until(() => ran)
  })
})

describe('async jobs without a queue (dev server, jobs disabled)', () => {
  it('string-form async runs each job after the response with one warning per request', async () => {
    events.length = 0
    const { app, logger } = makeApp()
    expect((await post(app, { service: 'work', action: 'job', n: 1 })).body.returnMessage).toBe('job queued')
    await until(() => events.length >= 3)
    expect(events).toEqual(['record 1', 'job {"returnCode":0,"returnMessage":"recorded","returnData":{"n":1},"extraData":null}', 'record 2'])
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual(['Moonlight job queue unavailable, running synchronously after response'])
  })

  it('moonlight().async without a queue runs the action now and answers with its own envelope (no 202)', async () => {
    events.length = 0
    const { app, logger } = makeApp()
    const r = await post(app, { service: 'work', action: 'via_app', n: 5 })
    // synchronous: the job already ran when the answer is here
    expect(events).toEqual(['record 5'])
    expect(r.status).toBe(200)
    expect(r.body).toEqual({ returnCode: 0, returnMessage: 'recorded', returnData: { n: 5 }, extraData: null })
    expect(logger.lines.some((l) => l.message === 'Moonlight job dispatch' && l.context?.service === 'work')).toBe(true)
    // no queue is a setting (dev server, jobs off), not a failure: no warning
    expect(logger.lines.filter((l) => l.level === 'warn')).toEqual([])
    expect(await app.async('work', 'record', { n: 9 })).toMatchObject({ returnCode: 0, returnData: { n: 9 } })
  })
})

describe('async jobs with a queue (the jobs layer installs one)', () => {
  class RecordingQueue implements JobQueue {
    pushed: MoonlightJob[] = []
    fail = false
    async push(job: MoonlightJob): Promise<string> {
      if (this.fail) throw new Error('rr jobs RPC refused the connection')
      this.pushed.push(job)
      return `job-${this.pushed.length}`
    }
  }

  it('queues when [jobs] ENABLED = true: 202 with the job id; the payload loses service/action/switch keys', async () => {
    events.length = 0
    const { app } = makeApp('[jobs]\nENABLED = true\n')
    const queue = new RecordingQueue()
    app.useJobQueue(queue)
    const r = await post(app, { service: 'work', action: 'via_app', n: 3 })
    expect(r.body).toMatchObject({ returnCode: 202, returnMessage: 'Accepted', returnData: { job_id: 'job-1' } })
    expect(queue.pushed).toEqual([{ service: 'work', action: 'record', payload: { n: 3 }, switch: 'v1' }])
    expect(events).toEqual([])
  })

  it('falls back to running in-process now, answering the action\'s envelope, when the gate is closed or the push fails', async () => {
    events.length = 0
    const closed = makeApp('[jobs]\nENABLED = false\n')
    const q1 = new RecordingQueue()
    closed.app.useJobQueue(q1)
    const off = await post(closed.app, { service: 'work', action: 'via_app', n: 1 })
    expect(events).toEqual(['record 1'])
    expect(off.body).toMatchObject({ returnCode: 0, returnMessage: 'recorded', returnData: { n: 1 } })
    expect(q1.pushed).toEqual([])

    const failing = makeApp('[jobs]\nENABLED = true\n')
    const q2 = new RecordingQueue()
    q2.fail = true
    failing.app.useJobQueue(q2)
    const down = await post(failing.app, { service: 'work', action: 'via_app', n: 2 })
    expect(events).toEqual(['record 1', 'record 2'])
    expect(down.status).toBe(200)
    expect(down.body).toMatchObject({ returnCode: 0, returnMessage: 'recorded', returnData: { n: 2 } })
    expect(failing.logger.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      'Moonlight job queue unavailable: rr jobs RPC refused the connection',
    ])
  })
})

describe('close()', () => {
  it('runs and waits for deferred work that has not run yet, then closes', async () => {
    events.length = 0
    const { app } = makeApp()
    class Slow extends Service {
      async slowAction() {
        defer(async () => {
          await new Promise((r) => setTimeout(r, 50))
          events.push('slow deferred done')
        })
        return response(0, 'ok')
      }
    }
    app.switch('v1', { slow: Slow })
    app.onShutdown(() => events.push('shutdown hook'))
    // the body is never read (the server went away): the work must still run on close
    await app.fetch(new Request('http://localhost/api/v1/', { method: 'POST', body: '{"service":"slow","action":"slow"}' }))
    const read = await app.fetch(new Request('http://localhost/api/v1/', { method: 'POST', body: '{"service":"slow","action":"slow"}' }))
    await read.text()
    await app.close()
    expect(events).toEqual(['slow deferred done', 'slow deferred done', 'shutdown hook'])
  })
})
