/**
 * A user's own app from the packed package (issue 16), as a new user walks it: `npm pack` of a clean
 * copy of this repository (no dist/: the prepare build must make it), the tarball installed into an
 * empty app from the npm cache where it can (`--prefer-offline`: a new machine's cache holds the
 * tarballs `npm ci` fetched but not the registry documents a version range needs; no native build:
 * better-sqlite3 and pg are optional peers),
 * then per template `pionia init`, `rr:setup --binary=<the built rr>`, `runserver --detach`, a request
 * and `stopserver`; and the case the issue reported: a three-line fetch worker with rr:setup's default
 * .rr.yaml. Bounded for CI on 2 cores: one pack, one npm install (the template apps are subfolders of
 * the installed app, so node finds pionia in its node_modules; hono, express and better-sqlite3, which
 * init adds to an app's dependencies, are linked from this repository's node_modules), one rr at a time.
 */
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execa } from 'execa'
import { ROOT, freePort, rrBinary } from '../helpers/rr.js'

const work = mkdtempSync(join(tmpdir(), 'pionia-own-app-'))
const app = join(work, 'app')
let tarball = ''
let packed: string[] = []
const running: string[] = []

async function pionia(dir: string, args: string[]) {
  const r = await execa(join(app, 'node_modules', '.bin', 'pionia'), args, {
    cwd: dir,
    reject: false,
    env: { NO_COLOR: '1', PORT: '', SERVER_PORT: '', HOST: '', SERVER_HOST: '' },
    timeout: 120_000,
  })
  return { exitCode: r.exitCode ?? 1, out: `${r.stdout}\n${r.stderr}` }
}

beforeAll(async () => {
  // A clean tree: the repository's files as git knows them (committed or not, never ignored ones), no dist/.
  const src = join(work, 'src')
  mkdirSync(src)
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean)
  for (const f of files) if (existsSync(join(ROOT, f))) cpSync(join(ROOT, f), join(src, f), { recursive: true })
  expect(existsSync(join(src, 'dist'))).toBe(false)
  symlinkSync(join(ROOT, 'node_modules'), join(src, 'node_modules'))
  const pack = await execa('npm', ['pack', '--json', '--pack-destination', work], { cwd: src, env: { npm_config_loglevel: 'error' } })
  const info = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[]
  tarball = join(work, info[0]!.filename)
  packed = info[0]!.files.map((f) => f.path)
  mkdirSync(app)
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'my-app', private: true, type: 'module' }))
  await execa('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: app })
  // The templates' own packages, as `npm install` after init would add them: the repository's copies.
  for (const dep of ['hono', 'express']) symlinkSync(join(ROOT, 'node_modules', dep), join(app, 'node_modules', dep))
}, 600_000)

afterAll(async () => {
  for (const dir of running) await pionia(dir, ['stopserver', '--force'])
  rmSync(work, { recursive: true, force: true })
})

describe('a user app from npm pack', () => {
  it('the package holds the built CLI and library though nothing was built before npm pack', () => {
    for (const f of ['bin/pionia.js', 'dist/src/cli/main.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/moonlight/index.js', 'scripts/build-rr']) expect(packed, f).toContain(f)
  })

  it('installing it compiles nothing: no better-sqlite3, no pg', () => {
    const modules = readdirSync(join(app, 'node_modules'))
    expect(modules).toContain('pionia')
    expect(modules).not.toContain('better-sqlite3')
    expect(modules).not.toContain('pg')
  })

  for (const template of ['fetch', 'hono', 'express', 'moonlight'] as const) {
    it(`init --template=${template}, rr:setup, runserver --detach, a request, stopserver`, async () => {
      const dir = join(app, template)
      mkdirSync(dir)
      const jobs = template === 'moonlight' ? ['--jobs'] : []
      const init = await pionia(dir, ['init', `--template=${template}`, ...jobs])
      expect(init.exitCode, init.out).toBe(0)
      expect(init.out).toMatch(/Next:\n {2}(npm install && )?npx pionia rr:setup\n {2}npx pionia runserver/)
      if (template === 'moonlight') {
        expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).dependencies['better-sqlite3']).toMatch(/^\^12\./)
        // What `npm install` would add (it would compile it): the repository's own build.
        mkdirSync(join(dir, 'node_modules'))
        symlinkSync(join(ROOT, 'node_modules', 'better-sqlite3'), join(dir, 'node_modules', 'better-sqlite3'))
      }
      const setup = await pionia(dir, ['rr:setup', `--binary=${rrBinary()}`])
      expect(setup.exitCode, setup.out).toBe(0)
      expect(setup.out).toContain(`==> Worker entry OK (serves http${jobs.length ? ', jobs' : ''})`)
      const [port, rpc, status] = [await freePort(), await freePort(), await freePort()]
      running.push(dir)
      const start = await pionia(dir, ['runserver', '--detach', `--port=${port}`, '-o', `rpc.listen=tcp://127.0.0.1:${rpc}`, '-o', `status.address=127.0.0.1:${status}`])
      try {
        expect(start.exitCode, start.out).toBe(0)
        const res = await fetch(template === 'moonlight' ? `http://127.0.0.1:${port}/api/v1/welcome/hello?name=rr` : `http://127.0.0.1:${port}/`)
        expect(res.status).toBe(200)
        const body = (await res.json()) as Record<string, unknown>
        if (template === 'moonlight') expect(body).toMatchObject({ returnCode: 0, returnMessage: 'Hello, rr' })
        else expect(body).toMatchObject({ ok: true })
      } finally {
        const stop = await pionia(dir, ['stopserver'])
        expect(stop.out).toContain('RoadRunner stopped.')
      }
    }, 180_000)
  }

  it('the reported case: a three-line fetch worker and the default .rr.yaml start and answer 200', async () => {
    const dir = join(app, 'plain')
    mkdirSync(dir)
    writeFileSync(join(dir, 'worker.ts'), "import { serve } from 'pionia'\n\nawait serve({ http: { fetch: (req) => Response.json({ ok: true }) } })\n")
    const setup = await pionia(dir, ['rr:setup', `--binary=${rrBinary()}`])
    expect(setup.exitCode, setup.out).toBe(0)
    expect(setup.out).toContain('==> Wrote a default .rr.yaml')
    const [port, rpc, status] = [await freePort(), await freePort(), await freePort()]
    running.push(dir)
    const start = await pionia(dir, ['runserver', '--detach', `--port=${port}`, '-o', `rpc.listen=tcp://127.0.0.1:${rpc}`, '-o', `status.address=127.0.0.1:${status}`])
    try {
      expect(start.exitCode, start.out).toBe(0)
      const res = await fetch(`http://127.0.0.1:${port}/`)
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ ok: true })
    } finally {
      expect((await pionia(dir, ['stopserver'])).out).toContain('RoadRunner stopped.')
    }
  }, 180_000)
})
