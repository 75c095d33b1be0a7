/**
 * rr:setup's GitHub path for real: a local HTTP server mimics the Releases API (two pages, a
 * prerelease, asset digests) and serves a genuine archive holding our built rr, tarred at test time.
 * Also the Go fallback (scripts/build-rr, cached) and --binary.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { ROOT, freePort, rrBinary } from '../helpers/rr.js'
import { useProjects, type Project } from './_project.js'

type Mode = 'ok' | 'badDigest' | 'noAsset' | 'rateLimit' | 'interrupt'
let mode: Mode = 'ok'
const seen: { url: string; headers: IncomingHttpHeaders }[] = []
let server: Server
let api = ''
let archive: Buffer
let digest = ''
let zipArchive: Buffer
let zipDigest = ''
const work = mkdtempSync(join(tmpdir(), 'pionia-setup-'))
const makeOne = useProjects((p) => p.run(['stopserver', '--force']))

const TARGETS = ['linux-amd64.tar.gz', 'linux-arm64.tar.gz', 'unknown-musl-amd64.tar.gz', 'darwin-arm64.tar.gz', 'darwin-amd64.zip', 'windows-amd64.zip', 'freebsd-amd64.tar.gz']

function release(version: string, prerelease = false) {
  const names = mode === 'noAsset' ? ['windows-amd64.zip'] : TARGETS
  return {
    tag_name: `v${version}`,
    draft: false,
    prerelease,
    assets: [
      ...names.map((t) => ({
        name: `roadrunner-${version}-${t}`,
        size: t.endsWith('.zip') ? zipArchive.length : archive.length,
        browser_download_url: `${api}/download/roadrunner-${version}-${t}`,
        digest: `sha256:${mode === 'badDigest' ? 'f'.repeat(64) : t.endsWith('.zip') ? zipDigest : digest}`,
      })),
      { name: `roadrunner-${version}-linux-amd64.deb`, size: 1, browser_download_url: `${api}/download/deb`, digest: null },
    ],
  }
}

beforeAll(async () => {
  const folder = join(work, 'roadrunner-2025.1.15-linux-amd64')
  mkdirSync(folder)
  copyFileSync(rrBinary(), join(folder, 'rr'))
  writeFileSync(join(folder, 'README.md'), '# RoadRunner\n')
  execFileSync('tar', ['-czf', join(work, 'rr.tar.gz'), '-C', work, 'roadrunner-2025.1.15-linux-amd64'])
  archive = readFileSync(join(work, 'rr.tar.gz'))
  digest = createHash('sha256').update(archive).digest('hex')
  // The Windows and darwin-amd64 assets are zips holding rr.exe / rr.
  const winFolder = join(work, 'roadrunner-2025.1.15-windows-amd64')
  mkdirSync(winFolder)
  copyFileSync(rrBinary(), join(winFolder, 'rr.exe'))
  execFileSync('zip', ['-q', '-r', join(work, 'rr.zip'), 'roadrunner-2025.1.15-windows-amd64'], { cwd: work })
  zipArchive = readFileSync(join(work, 'rr.zip'))
  zipDigest = createHash('sha256').update(zipArchive).digest('hex')
  const port = await freePort()
  api = `http://127.0.0.1:${port}`
  server = createServer((req, res) => {
    seen.push({ url: req.url!, headers: req.headers })
    const url = new URL(req.url!, api)
    if (url.pathname === '/repos/roadrunner-server/roadrunner/releases') {
      if (mode === 'rateLimit') {
        res.writeHead(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1798761600', 'content-type': 'application/json' })
        return res.end('{"message":"API rate limit exceeded"}')
      }
      const page = Number(url.searchParams.get('page') ?? 1)
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (page === 1) headers.link = `<${api}/repos/roadrunner-server/roadrunner/releases?per_page=100&page=2>; rel="next", <${api}/repos/roadrunner-server/roadrunner/releases?per_page=100&page=2>; rel="last"`
      res.writeHead(200, headers)
      return res.end(JSON.stringify(page === 1 ? [release('2025.2.0-beta.1', true), release('2025.1.15')] : [release('2025.1.14'), release('2024.3.5')]))
    }
    if (url.pathname.startsWith('/download/')) {
      const body = url.pathname.endsWith('.zip') ? zipArchive : archive
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) })
      if (mode === 'interrupt') {
        res.write(body.subarray(0, body.length >> 1), () => res.destroy())
        return
      }
      return res.end(body)
    }
    res.writeHead(404).end()
  })
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
}, 120_000)

afterAll(() => {
  server?.close()
  rmSync(work, { recursive: true, force: true })
})

beforeEach(() => {
  mode = 'ok'
  seen.length = 0
})

function project(): Project {
  return makeOne({ withRr: false })
}

const setup = (p: Project, args: string[], env: Record<string, string> = {}) =>
  p.run(['rr:setup', ...args], { env: { NO_COLOR: '1', PIONIA_GITHUB_API: api, GITHUB_TOKEN: '', ...env } })

/** Nothing half-installed: no rr, no temp download or extraction files. */
function expectNothingInstalled(p: Project): void {
  expect(existsSync(join(p.dir, 'rr'))).toBe(false)
  expect(readdirSync(p.dir).filter((f) => f.startsWith('rr.') || f.startsWith('.rr.download') || /^rr\.(download|tmp)-/.test(f))).toEqual([])
}

describe('rr:setup from GitHub releases (local Releases API)', () => {
  it('downloads the asset for this machine, checks its sha256 digest, installs ./rr and verifies it', async () => {
    const p = project()
    const r = await setup(p, ['--source=github'], { GITHUB_TOKEN: 'tok-123' })
    expect(r.exitCode, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toMatch(/==> Downloading roadrunner-2025\.1\.15-(linux|unknown-musl)-(amd64|arm64)\.tar\.gz/)
    expect(r.stdout).toContain('100%')
    expect(r.stdout).toContain(`sha256 verified: ${digest}`)
    expect(r.stdout).toMatch(/==> RoadRunner binary\n {2}.*\/rr\n {2}rr version 2025\.1\.15 /)
    expect(r.stdout).toContain('==> Wrote a default .rr.yaml')
    expect(r.stdout).toContain('==> Worker entry OK')
    expect(r.stdout.trimEnd().endsWith('Ready: npx pionia runserver')).toBe(true)
    expect(statSync(join(p.dir, 'rr')).mode & 0o755).toBe(0o755)
    expect(execFileSync(join(p.dir, 'rr'), ['--version'], { encoding: 'utf8' })).toMatch(/^rr version 2025\.1\.15 /)
    // Every page was read; the token went to the API only.
    expect(seen.some((s) => s.url.includes('page=2'))).toBe(true)
    for (const s of seen.filter((x) => x.url.startsWith('/repos/'))) expect(s.headers.authorization).toBe('Bearer tok-123')
    expect(seen.find((x) => x.url.startsWith('/download/'))?.headers.authorization).toBeUndefined()
    const yaml = parse(readFileSync(join(p.dir, '.rr.yaml'), 'utf8')) as { version: string; http: { address: string }; server: { command: string[] } }
    expect(yaml).toMatchObject({ version: '3', http: { address: '127.0.0.1:8000' }, server: { command: ['node', '--import', 'tsx', 'worker.ts'] } })

    const again = await setup(p, [])
    expect(again.exitCode).toBe(0)
    expect(again.stdout).toContain('RoadRunner binary already installed.')
    expect(again.stdout).toContain('rr version 2025.1.15')
    expect(seen.filter((s) => s.url.startsWith('/download/'))).toHaveLength(1)
  })

  it('a constraint picks the newest stable match (the prerelease is skipped)', async () => {
    const p = project()
    const r = await setup(p, ['--source=github', '--version=^2025.1'])
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.stdout).toContain('roadrunner-2025.1.15-')
    const older = await setup(p, ['--source=github', '--version=2025.1.14', '--force'])
    expect(older.exitCode, older.stderr).toBe(0)
    expect(older.stdout).toContain('roadrunner-2025.1.14-')
  })

  it('--os/--arch pick another platform: the windows zip, extracted as rr.exe', async () => {
    const p = project()
    const r = await setup(p, ['--source=github', '--os=windows', '--arch=amd64', '--location=win'])
    expect(r.exitCode, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toContain('for windows-amd64 on GitHub')
    expect(r.stdout).toContain('==> Downloading roadrunner-2025.1.15-windows-amd64.zip')
    expect(r.stdout).toContain(`sha256 verified: ${zipDigest}`)
    // (Our test binary is a linux build, so it runs here.)
    expect(execFileSync(join(p.dir, 'win/rr.exe'), ['--version'], { encoding: 'utf8' })).toMatch(/^rr version 2025\.1\.15 /)
  })

  it('refuses a download whose sha256 does not match the digest', async () => {
    mode = 'badDigest'
    const p = project()
    const r = await setup(p, ['--source=github'])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toContain(`GitHub says sha256 ${'f'.repeat(64)}, the download is ${digest}`)
    expect(r.stderr).toContain('nothing was installed')
    expectNothingInstalled(p)
  })

  it('says so when the release has no asset for this platform', async () => {
    mode = 'noAsset'
    const p = project()
    const r = await setup(p, ['--source=github'])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toMatch(/RoadRunner v2025\.1\.15 has no binary for (linux|freebsd|darwin)-(amd64|arm64)/)
    expect(r.stderr).toContain('It publishes: roadrunner-2025.1.15-windows-amd64.zip.')
    expect(r.stderr).toContain('--source=go')
    expectNothingInstalled(p)
  })

  it('explains a 403 rate limit: set GITHUB_TOKEN', async () => {
    mode = 'rateLimit'
    const p = project()
    const r = await setup(p, ['--source=github'])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toContain('GitHub API rate limit exceeded (HTTP 403). It resets at')
    expect(r.stderr).toContain('Set GITHUB_TOKEN=<a GitHub token>')
    expectNothingInstalled(p)
  })

  it('an interrupted download leaves no half-installed binary', async () => {
    mode = 'interrupt'
    const p = project()
    const r = await setup(p, ['--source=github'])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toMatch(/Download of .* was (interrupted|incomplete)/)
    expect(r.stderr).toContain('Nothing was installed')
    expectNothingInstalled(p)
  })
})

describe('rr:setup without GitHub', () => {
  it('--source=auto falls back to the Go build when GitHub refuses', async () => {
    mode = 'rateLimit'
    const p = project()
    const r = await setup(p, [])
    expect(r.exitCode, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toContain('Falling back to a local Go build.')
    expect(r.stdout).toContain('==> Building RoadRunner 2025.1.15 from the Go module proxy')
    expect(r.stdout).toContain('build-rr:')
    expect(execFileSync(join(p.dir, 'rr'), ['--version'], { encoding: 'utf8' })).toMatch(/^rr version 2025\.1\.15 /)
  })

  it('--binary adopts an existing rr and refuses something else', async () => {
    const p = project()
    writeFileSync(join(p.dir, 'not-rr'), '#!/bin/sh\necho hello\n', { mode: 0o755 })
    const bad = await setup(p, ['--binary', 'not-rr'])
    expect(bad.exitCode).toBe(1)
    expect(bad.stderr).toContain('is not a RoadRunner binary')
    expectNothingInstalled(p)
    const ok = await setup(p, ['--binary', rrBinary()])
    expect(ok.exitCode, ok.stderr).toBe(0)
    expect(ok.stdout).toContain(`==> Adopting ${rrBinary()}`)
    expect(ok.stdout).toContain('rr version 2025.1.15')
    const elsewhere = await setup(p, ['--binary', rrBinary(), '--location', 'tools'])
    expect(elsewhere.exitCode, elsewhere.stderr).toBe(0)
    expect(execFileSync(join(p.dir, 'tools/rr'), ['--version'], { encoding: 'utf8' })).toMatch(/^rr version 2025\.1\.15 /)
    expect(elsewhere.stdout).toContain(`Note: runserver runs ./rr from the app root; this one is in ${join(p.dir, 'tools')}.`)
  })

  it('the default .rr.yaml it writes boots the app (http + jobs pools) under the real rr', async () => {
    const p = project()
    expect((await setup(p, ['--binary', rrBinary()])).stdout).toContain('==> Wrote a default .rr.yaml')
    const [port, rpc] = [await freePort(), await freePort()]
    const start = await p.run(['runserver', '--detach', '--port', String(port), '-o', `rpc.listen=tcp://127.0.0.1:${rpc}`])
    try {
      expect(start.exitCode, start.stdout + start.stderr).toBe(0)
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/ping`)
      expect(await res.json()).toMatchObject({ returnCode: 0, returnMessage: 'pong' })
      // The jobs pool is up too (rr's informer over RPC lists its workers).
      const workers = execFileSync(join(p.dir, 'rr'), ['-c', '.rr.yaml', '-o', `rpc.listen=tcp://127.0.0.1:${rpc}`, 'workers', 'jobs'], { cwd: p.dir, encoding: 'utf8' })
      expect(workers).toContain('Workers of [jobs]:')
      expect(workers).toMatch(/^\d+ +ready /m)
    } finally {
      expect((await p.run(['stopserver'])).stdout).toContain('RoadRunner stopped.')
    }
  })

  it('creates environment/.env from .env.example with a random JWT_SECRET, and replaces a placeholder one in an existing .env', async () => {
    const p = project()
    mkdirSync(join(p.dir, 'environment'))
    writeFileSync(join(p.dir, 'environment', '.env.example'), readFileSync(join(ROOT, 'environment', '.env.example')))
    const r = await setup(p, ['--binary', rrBinary()])
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.stdout).toContain('==> Wrote environment/.env from .env.example with a random JWT_SECRET')
    const env = readFileSync(join(p.dir, 'environment', '.env'), 'utf8')
    const secret = /^JWT_SECRET=(.*)$/m.exec(env)![1]!
    expect(secret).toMatch(/^[0-9a-f]{64}$/)
    expect(env.replace(/^JWT_SECRET=.*$/m, '')).toBe(readFileSync(join(ROOT, 'environment', '.env.example'), 'utf8').replace(/^JWT_SECRET=.*$/m, ''))
    expect(statSync(join(p.dir, 'environment', '.env')).mode & 0o077).toBe(0)
    // Run again: a good secret stays.
    const again = await setup(p, [])
    expect(again.stdout).not.toContain('JWT_SECRET')
    expect(readFileSync(join(p.dir, 'environment', '.env'), 'utf8')).toBe(env)
    // The README's old step (cp .env.example .env) left the placeholder: rr:setup replaces it and says so.
    writeFileSync(join(p.dir, 'environment', '.env'), 'APP_NAME=x\nJWT_SECRET=change-me-to-a-long-random-string\nDEBUG=false\n')
    const fixed = await setup(p, [])
    expect(fixed.stdout).toContain('environment/.env had a placeholder or short JWT_SECRET: replaced it with a random one')
    expect(readFileSync(join(p.dir, 'environment', '.env'), 'utf8')).toMatch(/^APP_NAME=x\nJWT_SECRET=[0-9a-f]{64}\nDEBUG=false\n$/)
  })

  it('rejects a bad --source and an unreadable --version', async () => {
    const p = project()
    expect((await setup(p, ['--source=ftp'])).stderr).toContain('--source must be auto, github or go')
    expect((await setup(p, ['--version=latest-ish'])).stderr).toContain('is not a version constraint')
  })
})
