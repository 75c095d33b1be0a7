/**
 * The live DeskFlow board in a real browser: headless Chromium (Debian's `chromium`, driven by
 * playwright-core) opens /board/ from the DeskFlow app under the real rr, connects to the real
 * Centrifugo, and a task created through the HTTP API appears on the open page without a reload.
 */
import { afterAll, beforeAll, expect, test } from 'vitest'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'
import { nodeCommand } from '../helpers/rr.js'
import { tempProject, type TempProject } from '../deskflow/project.js'
import { call, type Send } from '../deskflow/walkthrough.js'
import { repoRrConfig, startStack, type Stack } from './stack.js'

const CHROMIUM = process.env.PIONIA_CHROMIUM ?? '/usr/bin/chromium'

let project: TempProject
let stack: Stack
let send: Send
let browser: BrowserContext
let profile: string

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set PIONIA_CHROMIUM)`)
  }
  project = tempProject()
  stack = await startStack({
    command: nodeCommand('worker.ts'),
    http: true,
    cwd: project.root,
    ...(await repoRrConfig()),
    // Browsers send Origin: Centrifugo must accept the page's.
    allowedOrigins: (ports) => [`http://127.0.0.1:${ports.http}`],
  })
  // Settings are read per request: the page learns Centrifugo's address from config.json.
  project.setSection('realtime', { ENABLED: 'true', CHANNEL_PREFIX: 'moonlight', WEBSOCKET_URL: stack.centrifugo.wsUrl })
  send = (path, init) => fetch(`http://127.0.0.1:${stack.ports.http}${path}`, init)
  profile = mkdtempSync(join(tmpdir(), 'pionia-chromium-'))
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
})

afterAll(async () => {
  await browser?.close()
  await stack?.stop()
  project?.cleanup()
  if (profile) rmSync(profile, { recursive: true, force: true })
})

test('the app serves the board, its config and the centrifuge-js bundle', async () => {
  const page = await send('/board/')
  expect(page.status).toBe(200)
  expect(page.headers.get('content-type')).toMatch(/text\/html/)
  const html = await page.text()
  expect(html).toContain('<script src="centrifuge.js"></script>')
  expect(html).toContain('<script type="module" src="board.js"></script>')
  const config = await (await send('/board/config.json')).json()
  expect(config).toEqual({ enabled: true, websocket: stack.centrifugo.wsUrl, channels: ['moonlight:tasks'], api: '/api/v1/' })
  const bundle = await send('/board/centrifuge.js')
  expect(bundle.headers.get('content-type')).toMatch(/javascript/)
  expect((await bundle.text()).length).toBeGreaterThan(50_000)
  expect((await send('/board/board.js')).status).toBe(200)
  // pionia/client as one browser ES module, which board.js imports.
  const client = await send('/board/pionia-client.js')
  expect(client.headers.get('content-type')).toMatch(/javascript/)
  const clientJs = await client.text()
  expect(clientJs).toMatch(/export\s*\{[^}]*createClient/)
  expect(clientJs).toContain('MoonlightError')
  expect(clientJs).not.toMatch(/node:|process\.env/)
  // An encoded ../ must not leave the board directory (app/public/board/../../app.ts exists).
  const escape = await send('/board/..%2f..%2fapp.ts')
  expect(escape.status).toBe(404)
  expect(await escape.text()).not.toContain('createDeskflowApp')
  expect((await send('/board/%E0%A4%A')).status).toBe(400)
})

test('the board answers /board (as the README links it) with a redirect to /board/', async () => {
  const bare = await send('/board?x=1', { redirect: 'manual' })
  expect(bare.status).toBe(308)
  expect(bare.headers.get('location')).toBe('/board/?x=1')
})

test.each(['/board', '/board/'])('opened at %s in Chromium, the board goes live and lists the tasks', async (path) => {
  const page = await browser.newPage()
  const failed: string[] = []
  const loaded: string[] = []
  page.on('response', (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`)
    else loaded.push(`${r.request().method()} ${new URL(r.url()).pathname}`)
  })
  await page.goto(`http://127.0.0.1:${stack.ports.http}${path}`)
  await page.waitForSelector('body[data-state="live"]', { timeout: 30_000 })
  expect(new URL(page.url()).pathname).toBe('/board/')
  await expect(page.locator('#tasks').textContent()).resolves.toContain('Review homepage mockups')
  expect(failed).toEqual([])
  // The list came through pionia/client: the module loaded, then its POST to the switch.
  expect(loaded).toContain('GET /board/pionia-client.js')
  expect(loaded).toContain('POST /api/v1/')
  await page.close()
})

test('a task created through the HTTP API appears on the open board without a reload', async () => {
  const page = await browser.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await page.goto(`http://127.0.0.1:${stack.ports.http}/board/`)
  await page.waitForSelector('body[data-state="live"]', { timeout: 30_000 })
  // The seed tasks are listed through task.list.
  await expect(page.locator('#tasks tr').count()).resolves.toBeGreaterThanOrEqual(3)
  await expect(page.locator('#tasks').textContent()).resolves.toContain('Review homepage mockups')
  // A marker on the window: it survives only if the page is never reloaded.
  await page.evaluate(() => ((window as unknown as { __boardMarker: number }).__boardMarker = 42))

  const login = await call(send, { service: 'member', action: 'login', email: 'alex@northwind.studio', password: 'secret' })
  const token = login.body.returnData.token as string
  const title = `Board live ${Date.now().toString(36)}`
  const created = await call(send, { service: 'task', action: 'create', title }, { authorization: `Bearer ${token}` })
  expect(created.body.returnCode).toBe(0)
  const id = created.body.returnData.task.id as number

  const row = page.locator(`#tasks tr[data-task-id="${id}"]`)
  await row.waitFor({ timeout: 30_000 })
  await expect(row.textContent()).resolves.toContain(title)
  await expect(row.getAttribute('class')).resolves.toBe('new')
  expect(await page.evaluate(() => (window as unknown as { __boardMarker?: number }).__boardMarker)).toBe(42)
  expect(errors).toEqual([])
  await page.close()
})
