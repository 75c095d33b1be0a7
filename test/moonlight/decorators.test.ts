import { describe, expect, it } from 'vitest'
import {
  createApp, Service, response, jwtAuthentication, jwtEncode, Authenticated, Can, CanAny, Validated, ValidateField, type RequestData,
} from '../../src/moonlight/index.js'
import { post, recordingLogger, tempRoot } from './helpers.js'

const SECRET = 'decorator-secret-9f2a6c0e4b8d1735'

@Authenticated({ except: ['browse'] })
class ShelfService extends Service {
  async browseAction() {
    return response(0, 'browse')
  }
  async mineAction() {
    return response(0, 'mine')
  }
  @Can('shelf:write')
  @Validated({ title: 'required|string' })
  @ValidateField('title', 'min:3')
  async addAction(data: RequestData) {
    return response(0, 'added', { title: data.getString('title') })
  }
  @CanAny('shelf:admin', 'shelf:curator')
  async pruneAction() {
    return response(0, 'pruned')
  }
}

const app = createApp({
  root: tempRoot('', `JWT_SECRET=${SECRET}\n`).root,
  logger: recordingLogger(),
  auth: [jwtAuthentication()],
  switches: { v1: { shelf: ShelfService } },
})
const as = (permissions: string[]) => ({ authorization: `Bearer ${jwtEncode({ sub: 1, permissions }, SECRET, 60)}` })

describe('auth and validation decorators', () => {
  it('@Authenticated on the class covers every action but the excepted ones', async () => {
    expect((await post(app, { service: 'shelf', action: 'browse' })).body.returnCode).toBe(0)
    expect((await post(app, { service: 'shelf', action: 'mine' })).status).toBe(401)
    expect((await post(app, { service: 'shelf', action: 'mine' }, { headers: as([]) })).body.returnMessage).toBe('mine')
  })

  it('@Can and merged @Validated/@ValidateField rules run before the action', async () => {
    expect((await post(app, { service: 'shelf', action: 'add', title: 'Dune' }, { headers: as(['other']) })).status).toBe(403)
    const short = await post(app, { service: 'shelf', action: 'add', title: 'Du' }, { headers: as(['shelf:write']) })
    expect(short.body).toMatchObject({ returnCode: 422, returnMessage: 'title must be at least 3 characters' })
    const missing = await post(app, { service: 'shelf', action: 'add' }, { headers: as(['shelf:write']) })
    expect(missing.body.returnMessage).toBe('title is required')
    expect((await post(app, { service: 'shelf', action: 'add', title: 'Dune' }, { headers: as(['shelf:write']) })).body.returnData).toEqual({ title: 'Dune' })
  })

  it('@CanAny needs one of the permissions; the catalog shows decorator metadata', async () => {
    expect((await post(app, { service: 'shelf', action: 'prune' }, { headers: as(['shelf:curator']) })).body.returnMessage).toBe('pruned')
    expect((await post(app, { service: 'shelf', action: 'prune' }, { headers: as(['shelf:write']) })).status).toBe(403)
    const add = (app.catalog('v1') as any).services.shelf.actions.find((a: { name: string }) => a.name === 'add')
    expect(add).toMatchObject({ auth: { authenticated: true, can: ['shelf:write'] }, rules: { title: 'min:3|required|string' } })
  })
})
