/**
 * `pionia rr:setup`: installs the real RoadRunner binary into the app root (`./rr`), from a GitHub
 * release (checked against its sha256 digest), a local Go build, or a binary you already have.
 * @module
 */
import { copyFileSync, chmodSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { CliError, defineCommand, type CommandContext } from '../command.js'
import { str } from '../util/args.js'
import { projectPaths, readRrConfig, rrVersion, serverCommand, workerEntry } from '../project.js'
import { rrEnv } from '../rr/process.js'
import { crashedError, probeWorker, unservedSections } from '../rr/worker-check.js'
import { painter, useColor, type Paint } from '../util/color.js'
import { defaultRrYaml } from '../templates/rr-yaml.js'
import { detectTarget, describeTarget } from '../setup/platform.js'
import { chooseAsset, listReleases, UnreachableError } from '../setup/github.js'
import { download } from '../setup/download.js'
import { extractRr } from '../setup/archive.js'
import { buildProgress, PIPE_INTERVAL_MS, progressBar } from '../setup/progress.js'
import { buildWithGo, GO_BUILD_VERSION, hasGo } from '../setup/go-build.js'
import { parseVersion, versionMatcher } from '../setup/version.js'
import { ensureEnvFile } from '../setup/env-file.js'

/** The RoadRunner version this pionia is tested with. */
export const PINNED_VERSION = '2025.1.15'


/** Moves a verified temp binary into place; a failed check removes it. */
async function install(tmp: string, dest: string): Promise<string> {
  chmodSync(tmp, 0o755)
  const version = await rrVersion(tmp)
  if (!version) {
    rmSync(tmp, { force: true })
    throw new CliError('RR_ERR_VERIFY', `The new binary did not pass "rr --version"; nothing was installed at ${dest}.`)
  }
  renameSync(tmp, dest)
  return version
}

function versionOf(line: string): string | undefined {
  return /rr version (\S+)/.exec(line)?.[1]
}

async function fromGithub(ctx: CommandContext, paint: Paint, dest: string, constraint: string, values: Record<string, unknown>): Promise<string> {
  const target = detectTarget({ os: str(values.os), arch: str(values.arch) })
  ctx.stdout.write(`==> Looking up RoadRunner ${constraint} for ${describeTarget(target)} on GitHub\n`)
  const releases = await listReleases(ctx.env, ctx.signal)
  const { asset, version } = chooseAsset(releases, constraint, target)
  ctx.stdout.write(`==> Downloading ${asset.name} (${(asset.size / 1024 / 1024).toFixed(1)} MB)\n`)
  const archive = `${dest}.download-${process.pid}`
  const tmp = `${dest}.tmp-${process.pid}`
  try {
    const bar = progressBar(ctx.stdout, Boolean((ctx.stdout as { isTTY?: boolean }).isTTY), asset.name)
    const got = await download(asset.browser_download_url, archive, (d, t) => bar.update(d, t || asset.size), ctx.signal)
    bar.end()
    const expected = asset.digest?.startsWith('sha256:') ? asset.digest.slice(7).toLowerCase() : undefined
    if (!expected) {
      ctx.stdout.write(paint('yellow', `  GitHub publishes no sha256 digest for ${asset.name}: the download cannot be verified.`) + '\n')
    } else if (expected !== got.sha256) {
      throw new CliError(
        'RR_ERR_DIGEST',
        `Checksum mismatch for ${asset.name}: GitHub says sha256 ${expected}, the download is ${got.sha256}.\n` +
          'The file was deleted and nothing was installed. Retry; if it persists, do not use this download.',
      )
    } else {
      ctx.stdout.write(`  sha256 verified: ${got.sha256}\n`)
    }
    await extractRr(archive, asset.name, tmp)
    const line = await install(tmp, dest)
    if (versionOf(line) !== version) ctx.stdout.write(paint('yellow', `  Note: the release is ${version}, the binary reports "${line}".`) + '\n')
    return line
  } finally {
    rmSync(archive, { force: true })
    rmSync(tmp, { force: true })
  }
}

async function fromGo(ctx: CommandContext, dest: string, constraint: string): Promise<string> {
  if (!versionMatcher(constraint)(parseVersion(GO_BUILD_VERSION)!)) {
    throw new CliError('RR_ERR_GO_VERSION', `The Go build makes RoadRunner ${GO_BUILD_VERSION} only, which does not match "${constraint}".\nUse --source=github for other versions.`)
  }
  ctx.stdout.write(`==> Building RoadRunner ${GO_BUILD_VERSION} from the Go module proxy (the first build takes a few minutes)\n`)
  const tty = Boolean((ctx.stdout as { isTTY?: boolean }).isTTY)
  const progress = buildProgress(ctx.stdout, tty)
  const timer = setInterval(() => progress.tick(), tty ? 1000 : PIPE_INTERVAL_MS)
  let built: string
  try {
    built = await buildWithGo(ctx.env, (l) => progress.line(l), ctx.signal)
  } finally {
    clearInterval(timer)
    progress.end()
  }
  const tmp = `${dest}.tmp-${process.pid}`
  try {
    copyFileSync(built, tmp)
    return await install(tmp, dest)
  } finally {
    rmSync(tmp, { force: true })
  }
}

/**
 * After the binary: the worker entry is imported once (a probe, see worker-check.ts) and the config is
 * written or checked against what it serves. A crash at import or a section without a handler is
 * exit 1, and nothing is written.
 */
async function checkWorkerFiles(ctx: CommandContext, paint: Paint): Promise<number> {
  const paths = projectPaths(ctx.cwd)
  const haveConfig = existsSync(paths.config)
  const config = haveConfig ? readRrConfig(paths) : undefined
  const entryName = ['worker.ts', 'worker.js'].find((f) => existsSync(join(ctx.cwd, f)))
  const entry = config ? workerEntry(config, paths.configDir) : entryName && join(ctx.cwd, entryName)
  let modes: string[] | undefined
  if (entry && existsSync(entry)) {
    const command = config ? serverCommand(config) : ['node', '--import', 'tsx', entryName!]
    const probe = await probeWorker(command, paths.configDir, rrEnv(ctx.env))
    if (probe.kind === 'crashed') throw crashedError(probe, entry, ctx.cwd)
    if (probe.kind === 'modes') modes = probe.modes
    if (config) {
      const problems = unservedSections(config, probe, '.rr.yaml', relative(ctx.cwd, entry))
      if (problems.length) {
        ctx.stdout.write(paint('red', `${problems.join('\n')}\nrr would fail to start its workers (static_pool_allocate_workers: EOF): fix this, then run npx pionia runserver.`) + '\n')
        return 1
      }
    }
  }
  if (!config) {
    const http = modes ? modes.includes('http') : true
    const jobs = modes ? modes.includes('jobs') : !entryName
    writeFileSync(paths.config, defaultRrYaml({ worker: entryName, http, jobs }))
    const sections = [http ? 'HTTP on 127.0.0.1:8000' : '', jobs ? 'memory jobs' : ''].filter(Boolean).join(', ')
    ctx.stdout.write(`==> Wrote a default .rr.yaml (${sections || 'no worker sections'}; ${entryName ?? 'worker.ts'} through the tsx loader${jobs ? '' : '; jobs commented out until the worker serves them'})\n`)
  }
  const env = ensureEnvFile(ctx.cwd)
  if (env === 'created') ctx.stdout.write('==> Wrote environment/.env from .env.example with a random JWT_SECRET (64 hex characters)\n')
  if (env === 'secret-replaced') ctx.stdout.write(paint('yellow', '==> environment/.env had a placeholder or short JWT_SECRET: replaced it with a random one (tokens signed with the old one no longer verify)') + '\n')
  if (!entry || !existsSync(entry)) {
    ctx.stdout.write(paint('yellow', 'Missing worker files. Ensure .rr.yaml and worker.ts exist in the app root (see the README: a worker.ts calling serve()).') + '\n')
  } else {
    ctx.stdout.write(`==> Worker entry OK${modes ? ` (serves ${modes.join(', ') || 'nothing'})` : ''}\n`)
  }
  ctx.stdout.write(paint('green', 'Ready: npx pionia runserver') + '\n')
  return 0
}

export default defineCommand({
  name: 'rr:setup',
  aliases: ['runserver:setup'],
  summary: 'Install the RoadRunner binary (./rr): GitHub release, Go build, or an existing binary',
  usage: `Usage: npx pionia rr:setup [options]

Installs the real RoadRunner binary into the app root as ./rr and checks it with "rr --version".
Sources (--source=auto tries them in this order):
  github   the release asset for this OS/CPU (linux, darwin, windows, freebsd; amd64, arm64; musl),
           verified against the sha256 digest GitHub publishes. Set GITHUB_TOKEN to avoid rate limits.
  go       a build from the Go module proxy with scripts/build-rr (needs Go >= 1.26; ${GO_BUILD_VERSION} only)
Writes a default .rr.yaml when the app has none; ends with "Ready: npx pionia runserver".

Options:
  --version=<constraint>  RoadRunner version (default ${PINNED_VERSION}); e.g. 2025.1.15, ^2025.1, 2025.*
  --source=<s>            auto (default), github or go
  --binary=<path>         adopt an existing rr binary instead of downloading
  --location=<dir>        install directory (default: the app root; runserver uses ./rr)
  --force                 reinstall even if ./rr works
  --os=<os>, --arch=<a>   pick the asset for another platform (github source)

Environment: GITHUB_TOKEN; PIONIA_GITHUB_API (another Releases API root, e.g. a mirror).
`,
  options: {
    version: { type: 'string' },
    source: { type: 'string' },
    binary: { type: 'string' },
    location: { type: 'string' },
    force: { type: 'boolean' },
    os: { type: 'string' },
    arch: { type: 'string' },
  },
  async run({ values }, ctx) {
    const paint = painter(useColor(ctx.stdout, ctx.env))
    const constraint = str(values.version) ?? PINNED_VERSION
    try {
      versionMatcher(constraint)
    } catch (err) {
      throw new CliError('RR_ERR_BAD_OPTION', (err as Error).message)
    }
    const source = str(values.source) ?? 'auto'
    if (!['auto', 'github', 'go'].includes(source)) throw new CliError('RR_ERR_BAD_OPTION', `--source must be auto, github or go (got "${source}").`)
    const location = resolve(ctx.cwd, str(values.location) ?? '.')
    mkdirSync(location, { recursive: true })
    const dest = join(location, process.platform === 'win32' || str(values.os) === 'windows' ? 'rr.exe' : 'rr')

    const installed = await rrVersion(dest)
    if (installed && !values.force) {
      const v = versionOf(installed)
      const parsed = v ? parseVersion(v) : undefined
      ctx.stdout.write(`RoadRunner binary already installed.\n  ${dest}\n  ${installed}\n`)
      if (str(values.version) && parsed && !versionMatcher(constraint)(parsed)) {
        ctx.stdout.write(paint('yellow', `  It does not match --version=${constraint}: reinstall with --force.`) + '\n')
      }
      return checkWorkerFiles(ctx, paint)
    }

    let line: string
    const binary = str(values.binary)
    if (binary) {
      const from = resolve(ctx.cwd, binary)
      const version = await rrVersion(from)
      if (!version) throw new CliError('RR_ERR_VERIFY', `${from} is not a RoadRunner binary ("--version" must print "rr version ..."). Pass the path of a real rr.`)
      ctx.stdout.write(`==> Adopting ${from}\n`)
      const tmp = `${dest}.tmp-${process.pid}`
      try {
        copyFileSync(from, tmp)
        line = await install(tmp, dest)
      } finally {
        rmSync(tmp, { force: true })
      }
    } else if (source === 'go') {
      line = await fromGo(ctx, dest, constraint)
    } else {
      try {
        line = await fromGithub(ctx, paint, dest, constraint, values)
      } catch (err) {
        const fallback = source === 'auto' && err instanceof CliError && (err instanceof UnreachableError || ['RR_ERR_RATE_LIMIT', 'RR_ERR_NO_ASSET'].includes(err.code))
        if (!fallback) throw err
        if (!hasGo(ctx.env)) {
          throw new CliError(err.code, `${err.message}\nNo Go toolchain was found for a local build either: install Go (https://go.dev/dl/) or pass --binary=<path>.`)
        }
        ctx.stdout.write(paint('yellow', `${err.message.split('\n')[0]} Falling back to a local Go build.`) + '\n')
        line = await fromGo(ctx, dest, constraint)
      }
    }
    ctx.stdout.write(`==> RoadRunner binary\n  ${dest}\n  ${line}\n`)
    if (location !== ctx.cwd) ctx.stdout.write(paint('yellow', `Note: runserver runs ./rr from the app root; this one is in ${location}.`) + '\n')
    return checkWorkerFiles(ctx, paint)
  },
})
