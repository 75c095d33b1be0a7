/**
 * pionia/client against DeskFlow under the real rr (repository worker.ts and .rr.yaml, free ports):
 * typed calls, the bearer token, MoonlightError for failure codes, switches.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRr, type RrInstance } from '../helpers/rr.js'
import { repoRrConfig, tempProject, type TempProject } from '../deskflow/project.js'
import { createClient, isMoonlightError, MoonlightError } from '../../src/client/index.js'
import type { DeskflowApp } from '../../app/app.js'

describe('pionia/client against DeskFlow under rr', () => {
  let project: TempProject
  let rr: RrInstance
  let base: string

  beforeAll(async () => {
    project = tempProject()
    const repo = await repoRrConfig()
    repo.config.endure = { ...repo.config.endure, grace_period: '3s' }
    rr = await startRr({ config: repo.config, cwd: project.root, waitForUrl: `http://127.0.0.1:${repo.httpPort}/api/v1/ping` })
    base = `http://127.0.0.1:${repo.httpPort}`
  })
  afterAll(async () => {
    await rr?.stop()
    project?.cleanup()
  })

  it('logs in, creates a task with the token and reads it back in the list, typed end to end', async () => {
    const anon = createClient<DeskflowApp>(base)
    const { token } = (await anon.member.login({ email: 'alex@northwind.studio', password: 'secret' })) as { token: string }
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
    let asked = 0
    const api = createClient<DeskflowApp>(base, { token: () => (asked++, token) })
    const title = `Typed client ${Date.now().toString(36)}`
    const { task } = await api.task.create({ title, project_id: 1, status: 'open' })
    expect(task).toMatchObject({ title, status: 'open', project_id: 1 })
    expect(asked).toBe(1)
    const list = (await api.task.list({ limit: 100 })) as { tasks: { id: number; title: string }[] }
    expect(list.tasks.map((t) => t.title)).toContain(title)
    expect(api.$version).toBe('v1')
    expect(api.$switch('v1').$version).toBe('v1')
  })

  it('turns failure codes into MoonlightError with returnCode, returnMessage and extraData', async () => {
    const anon = createClient<DeskflowApp>(base)
    const unauth = await anon.task.create({ title: 'No token' }).catch((e: unknown) => e)
    expect(unauth).toBeInstanceOf(MoonlightError)
    expect(unauth).toMatchObject({ returnCode: 401, status: 401, extraData: null })
    const bad = await anon.project.retrieve({ id: 'x' as unknown as number }).catch((e: unknown) => e)
    expect(isMoonlightError(bad)).toBe(true)
    expect(bad).toMatchObject({ returnCode: 422, returnMessage: 'id must be an integer' })
    const unknownAction = await anon.$call('task', 'nope').catch((e: unknown) => e)
    expect(unknownAction).toMatchObject({ returnCode: 404 })
    // A switch the server does not have is not an envelope route: the error says so.
    const v9 = await createClient(base, { version: 'v9' }).$call('task', 'list').catch((e: unknown) => e)
    expect(v9).toBeInstanceOf(MoonlightError)
    expect((v9 as MoonlightError).status).toBe(404)
  })
})
