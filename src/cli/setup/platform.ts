/**
 * Which RoadRunner release asset fits this machine. Release archives are named
 * `roadrunner-<version>-<os>-<arch>.<ext>`: tar.gz, except zip for windows-amd64 and darwin-amd64;
 * the static musl build is `roadrunner-<version>-unknown-musl-amd64.tar.gz`.
 * @module
 */
import { CliError } from '../command.js'

export interface Target {
  os: 'linux' | 'darwin' | 'windows' | 'freebsd'
  arch: 'amd64' | 'arm64'
  musl: boolean
}

/** A Linux whose Node runs without glibc is musl-based (Alpine). */
function isMusl(): boolean {
  if (process.platform !== 'linux') return false
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header
  return !header?.glibcVersionRuntime
}

/** Detects the target, or takes `--os` / `--arch` overrides. */
export function detectTarget(overrides: { os?: string; arch?: string } = {}): Target {
  const osName = overrides.os ?? ({ linux: 'linux', darwin: 'darwin', win32: 'windows', freebsd: 'freebsd' } as Record<string, string>)[process.platform]
  const archName = overrides.arch ?? ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch]
  if (!osName || !['linux', 'darwin', 'windows', 'freebsd'].includes(osName)) {
    throw new CliError('RR_ERR_PLATFORM', `RoadRunner publishes no binary for the OS "${overrides.os ?? process.platform}" (linux, darwin, windows, freebsd).\nBuild it with --source=go, or adopt a binary with --binary=<path>.`)
  }
  if (!archName || !['amd64', 'arm64'].includes(archName)) {
    throw new CliError('RR_ERR_PLATFORM', `RoadRunner publishes no binary for the CPU "${overrides.arch ?? process.arch}" (amd64, arm64).\nBuild it with --source=go, or adopt a binary with --binary=<path>.`)
  }
  return { os: osName as Target['os'], arch: archName as Target['arch'], musl: overrides.os === undefined && isMusl() }
}

/** Asset names to look for, best first. */
export function assetNames(version: string, t: Target): string[] {
  const v = version.replace(/^v/, '')
  if (t.musl) return [`roadrunner-${v}-unknown-musl-${t.arch}.tar.gz`, `roadrunner-${v}-linux-${t.arch}.tar.gz`]
  const zipFirst = t.os === 'windows' || (t.os === 'darwin' && t.arch === 'amd64')
  const base = `roadrunner-${v}-${t.os}-${t.arch}`
  return zipFirst ? [`${base}.zip`, `${base}.tar.gz`] : [`${base}.tar.gz`, `${base}.zip`]
}

export function describeTarget(t: Target): string {
  return `${t.os}-${t.arch}${t.musl ? ' (musl)' : ''}`
}
