import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { versionMatcher, parseVersion } from '../../src/cli/setup/version.js'
import { assetNames } from '../../src/cli/setup/platform.js'
import { chooseAsset, type Release } from '../../src/cli/setup/github.js'
import { extractFromTarGz, extractFromZip } from '../../src/cli/setup/archive.js'

const v = (s: string) => parseVersion(s)!

describe('version constraints', () => {
  it('reads exact, wildcard, caret, tilde, comparisons and alternatives', () => {
    expect(versionMatcher('2025.1.15')(v('2025.1.15'))).toBe(true)
    expect(versionMatcher('v2025.1.15')(v('2025.1.14'))).toBe(false)
    expect(versionMatcher('2025.*')(v('2025.9.0'))).toBe(true)
    expect(versionMatcher('2025.1.x')(v('2025.2.0'))).toBe(false)
    expect(versionMatcher('^2025.1')(v('2025.9.1'))).toBe(true)
    expect(versionMatcher('^2025.1')(v('2026.0.0'))).toBe(false)
    expect(versionMatcher('~2025.1.3')(v('2025.1.9'))).toBe(true)
    expect(versionMatcher('~2025.1.3')(v('2025.2.0'))).toBe(false)
    expect(versionMatcher('>=2025.1.10 <2025.2')(v('2025.1.15'))).toBe(true)
    expect(versionMatcher('>= 2025.1.10, < 2025.2')(v('2025.1.9'))).toBe(false)
    expect(versionMatcher('2024.3.* || 2025.1.*')(v('2024.3.5'))).toBe(true)
    expect(() => versionMatcher('banana')).toThrow(/not a version constraint/)
  })
})

describe('asset choice', () => {
  it('names assets as the release workflow does', () => {
    expect(assetNames('2025.1.15', { os: 'linux', arch: 'amd64', musl: false })[0]).toBe('roadrunner-2025.1.15-linux-amd64.tar.gz')
    expect(assetNames('2025.1.15', { os: 'darwin', arch: 'amd64', musl: false })[0]).toBe('roadrunner-2025.1.15-darwin-amd64.zip')
    expect(assetNames('2025.1.15', { os: 'darwin', arch: 'arm64', musl: false })[0]).toBe('roadrunner-2025.1.15-darwin-arm64.tar.gz')
    expect(assetNames('2025.1.15', { os: 'windows', arch: 'amd64', musl: false })[0]).toBe('roadrunner-2025.1.15-windows-amd64.zip')
    expect(assetNames('2025.1.15', { os: 'linux', arch: 'amd64', musl: true })[0]).toBe('roadrunner-2025.1.15-unknown-musl-amd64.tar.gz')
  })
  it('takes the newest stable release matching the constraint', () => {
    const rel = (tag: string, prerelease = false): Release => ({
      tag_name: tag,
      prerelease,
      assets: [{ name: `roadrunner-${tag.slice(1)}-linux-amd64.tar.gz`, browser_download_url: `http://x/${tag}`, size: 1 }],
    })
    const releases = [rel('v2025.2.0-beta.1', true), rel('v2025.1.15'), rel('v2025.1.14'), rel('v2024.3.5')]
    const t = { os: 'linux', arch: 'amd64', musl: false } as const
    expect(chooseAsset(releases, '2025.*', t).version).toBe('2025.1.15')
    expect(chooseAsset(releases, '<2025.1.15', t).version).toBe('2025.1.14')
    expect(chooseAsset(releases, '2025.2.0-beta.1', t).version).toBe('2025.2.0-beta.1')
    expect(() => chooseAsset(releases, '2023.*', t)).toThrow(/No RoadRunner release matches "2023\.\*" \(newest: v2025\.1\.15\)/)
    expect(() => chooseAsset(releases, '2025.1.15', { os: 'freebsd', arch: 'arm64', musl: false })).toThrow(/no binary for freebsd-arm64/)
  })
})

describe('archive extraction', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pionia-archive-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const folder = 'roadrunner-2025.1.15-linux-amd64'
  mkdirSync(join(dir, folder))
  // A body that is not a multiple of 512 bytes, with bytes of every value.
  const body = Buffer.from(Array.from({ length: 70_001 }, (_, i) => (i * 31) % 256))
  writeFileSync(join(dir, folder, 'README.md'), 'readme\n')
  writeFileSync(join(dir, folder, 'rr'), body)
  writeFileSync(join(dir, folder, 'rr.asc'), 'sig\n')

  it('takes rr out of a tar.gz (docs before and after it)', async () => {
    execFileSync('tar', ['-czf', join(dir, 'a.tar.gz'), '-C', dir, `${folder}/README.md`, `${folder}/rr`, `${folder}/rr.asc`])
    expect(await extractFromTarGz(join(dir, 'a.tar.gz'), join(dir, 'out-tar'))).toBe(true)
    expect(readFileSync(join(dir, 'out-tar')).equals(body)).toBe(true)
    expect(statSync(join(dir, 'out-tar')).mode & 0o111).not.toBe(0)
  })
  it('follows GNU long names', async () => {
    const long = join(dir, 'x'.repeat(120))
    mkdirSync(long)
    writeFileSync(join(long, 'rr'), body)
    execFileSync('tar', ['--format=gnu', '-czf', join(dir, 'long.tar.gz'), '-C', dir, `${'x'.repeat(120)}/rr`])
    expect(await extractFromTarGz(join(dir, 'long.tar.gz'), join(dir, 'out-long'))).toBe(true)
    expect(readFileSync(join(dir, 'out-long')).equals(body)).toBe(true)
  })
  it('takes rr out of a zip (deflated and stored)', async () => {
    execFileSync('zip', ['-q', join(dir, 'a.zip'), `${folder}/README.md`, `${folder}/rr`], { cwd: dir })
    expect(await extractFromZip(join(dir, 'a.zip'), join(dir, 'out-zip'))).toBe(true)
    expect(readFileSync(join(dir, 'out-zip')).equals(body)).toBe(true)
    execFileSync('zip', ['-q', '-0', join(dir, 'b.zip'), `${folder}/rr`], { cwd: dir })
    expect(await extractFromZip(join(dir, 'b.zip'), join(dir, 'out-zip0'))).toBe(true)
    expect(readFileSync(join(dir, 'out-zip0')).equals(body)).toBe(true)
  })
  it('says when there is no rr inside, or the archive is truncated', async () => {
    execFileSync('tar', ['-czf', join(dir, 'none.tar.gz'), '-C', dir, `${folder}/README.md`])
    expect(await extractFromTarGz(join(dir, 'none.tar.gz'), join(dir, 'out-none'))).toBe(false)
    const whole = readFileSync(join(dir, 'a.tar.gz'))
    writeFileSync(join(dir, 'cut.tar.gz'), whole.subarray(0, Math.floor(whole.length / 2)))
    await expect(extractFromTarGz(join(dir, 'cut.tar.gz'), join(dir, 'out-cut'))).rejects.toThrow(/not a valid tar.gz|truncated/)
  })
})
