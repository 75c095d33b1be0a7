import { describe, expect, it } from 'vitest'
import { createApp, Service, response, HttpError, ValidationError } from '../../src/moonlight/index.js'
import { post, recordingLogger, tempRoot } from './helpers.js'

class QuotaError extends Error {}

class FailService extends Service {
  static override deactivatedActions = ['old_thing']
  async boomAction(): Promise<never> {
    throw new Error('kaboom')
  }
  async teapotAction(): Promise<never> {
    throw new HttpError(418, 'short and stout')
  }
  async quotaAction(): Promise<never> {
    throw new QuotaError('over quota')
  }
  async invalidAction(): Promise<never> {
    throw new ValidationError('title is required', 'title')
  }
  async oldThingAction() {
    return response(0, 'old')
  }
}

function makeApp(ini = '', env = '', exceptions = {}) {
  const { root } = tempRoot(ini, env)
  const logger = recordingLogger()
  return { app: createApp({ root, logger, exceptions, switches: { v1: { fail: FailService } } }), logger }
}

describe('error pipeline', () => {
  it('hides the message of unexpected errors outside debug and logs them', async () => {
    const { app, logger } = makeApp()
    const r = await post(app, { service: 'fail', action: 'boom' })
    expect(r.status).toBe(500)
    expect(r.body).toEqual({ returnCode: 500, returnMessage: 'An unexpected error occurred.', returnData: null, extraData: null })
    const logged = logger.lines.find((l) => l.level === 'error')!
    expect(logged.message).toBe('Error: kaboom')
    expect(logged.context?.file).toMatch(/errors\.test\.ts$/)
  })

  it('shows the message, class, file, line and trace in debug; RENDER_TRACES=false drops the trace', async () => {
    const { app } = makeApp('', 'DEBUG=true\n')
    const r = await post(app, { service: 'fail', action: 'boom' })
    expect(r.body.returnMessage).toBe('kaboom')
    expect(r.body.returnData).toMatchObject({ exception: 'Error', file: expect.stringMatching(/errors\.test\.ts$/), line: expect.any(Number) })
    expect(Array.isArray(r.body.returnData.trace)).toBe(true)
    const quiet = makeApp('[exceptions]\nRENDER_TRACES = false\n', 'APP_DEBUG=1\n').app
    const r2 = await post(quiet, { service: 'fail', action: 'boom' })
    expect(r2.body.returnData.trace).toBeUndefined()
  })

  it('renders HttpError with its own code and message in production, without reporting it', async () => {
    const { app, logger } = makeApp()
    const r = await post(app, { service: 'fail', action: 'teapot' })
    expect(r.status).toBe(418)
    expect(r.body).toMatchObject({ returnCode: 418, returnMessage: 'short and stout' })
    expect(logger.lines.filter((l) => l.level === 'error')).toEqual([])
  })

  it('keeps HTTP 200 for every envelope with [server] HTTP_STATUS = classic', async () => {
    const { app } = makeApp('[server]\nHTTP_STATUS = classic\n')
    for (const [action, code] of [['invalid', 422], ['boom', 500], ['missing', 404]] as const) {
      const r = await post(app, { service: 'fail', action })
      expect(r.status).toBe(200)
      expect(r.body.returnCode).toBe(code)
    }
  })

  it('uses the configured codes from [server]', async () => {
    const { app } = makeApp('[server]\nNOT_FOUND_CODE = 4040\nSERVER_ERROR_CODE = 5000\n')
    expect((await post(app, { service: 'nope', action: 'x' })).body.returnCode).toBe(4040)
    expect((await post(app, { service: 'fail', action: 'boom' })).body.returnCode).toBe(5000)
  })

  it('answers 500 "Action X is currently deactivated." for deactivated actions', async () => {
    const { app } = makeApp('', 'DEBUG=true\n')
    const r = await post(app, { service: 'fail', action: 'old_thing' })
    expect(r.body).toMatchObject({ returnCode: 500, returnMessage: 'Action old_thing is currently deactivated.' })
  })

  it('runs mappers first, skips dontReport classes (and [exceptions] DONT_REPORT), calls reporters', async () => {
    const reported: unknown[] = []
    const { app, logger } = makeApp('[exceptions]\nDONT_REPORT = Error\n', '', {
      map: [[QuotaError, (e: Error) => response(429, `Slow down: ${e.message}`)]],
      dontReport: [QuotaError],
      reportable: [(e: unknown) => reported.push(e)],
    })
    const r = await post(app, { service: 'fail', action: 'quota' })
    expect(r.status).toBe(429)
    expect(r.body.returnMessage).toBe('Slow down: over quota')
    await post(app, { service: 'fail', action: 'boom' })
    expect(logger.lines.filter((l) => l.level === 'error')).toEqual([])
    expect(reported.map((e) => (e as Error).message)).toEqual(['over quota', 'kaboom'])
  })
})

describe('dispatch without HTTP', () => {
  it('returns the envelope, lets errors propagate, and handle() renders them', async () => {
    const { app } = makeApp()
    class Ok extends Service {
      async sumAction(d: import('../../src/moonlight/index.js').RequestData) {
        return response(0, 'sum', (d.getInt('a') ?? 0) + (d.getInt('b') ?? 0))
      }
    }
    app.switch('v2', { ok: Ok })
    expect(await app.dispatch({ service: 'ok', action: 'sum', data: { a: 2, b: 3 }, switch: 'v2' }))
      .toEqual({ returnCode: 0, returnMessage: 'sum', returnData: 5, extraData: null })
    await expect(app.dispatch({ service: 'fail', action: 'boom' })).rejects.toThrow('kaboom')
    expect(await app.handle({ service: 'fail', action: 'invalid' })).toMatchObject({ returnCode: 422, returnMessage: 'title is required' })
    expect(await app.handle({ service: 'ok', action: 'sum', switch: 'v7' })).toMatchObject({ returnCode: 404 })
  })
})

describe('requires()', () => {
  it('answers 422 naming the first missing or empty field', async () => {
    const { root } = tempRoot()
    class Signup extends Service {
      async joinAction() {
        this.requires(['email', 'name'])
        return response(0, 'joined')
      }
    }
    const app = createApp({ root, logger: recordingLogger(), switches: { v1: { signup: Signup } } })
    expect((await post(app, { service: 'signup', action: 'join', email: 'a@b.c', name: '' })).body).toMatchObject({ returnCode: 422, returnMessage: 'name is required' })
    expect((await post(app, { service: 'signup', action: 'join', email: 'a@b.c', name: 'A' })).body.returnCode).toBe(0)
  })
})
