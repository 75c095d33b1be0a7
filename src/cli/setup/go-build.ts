/**
 * The offline path of rr:setup: build RoadRunner from the Go module proxy with the package's own
 * scripts/build-rr (RoadRunner's genuine plugin modules at the versions 2025.1.15 pins), streaming
 * its progress, and return the built binary's path.
 * @module
 */
import { spawn, execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CliError } from '../command.js'

/** The version scripts/build-rr makes (its plugin set is pinned to this release). */
export const GO_BUILD_VERSION = '2025.1.15'

/** The pionia package root (holds package.json and scripts/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'scripts', 'build-rr'))) {
    const up = dirname(dir)
    if (up === dir) throw new CliError('RR_ERR_NO_BUILD_SCRIPT', 'scripts/build-rr is missing from the pionia package: reinstall pionia.')
    dir = up
  }
  return dir
}

/** True when a Go toolchain can be found (PATH, or the usual install places build-rr also tries). */
export function hasGo(env: NodeJS.ProcessEnv): boolean {
  for (const g of ['go', '/usr/local/go/bin/go', '/usr/lib/go/bin/go']) {
    try {
      execFileSync(g, ['version'], { stdio: 'ignore', env, timeout: 10_000 })
      return true
    } catch {
      // try the next place
    }
  }
  return false
}

/** Runs scripts/build-rr (`go build -v`), passing each output line to `onLine`; resolves with the binary path. */
export function buildWithGo(env: NodeJS.ProcessEnv, onLine: (line: string) => void, signal?: AbortSignal): Promise<string> {
  const script = join(packageRoot(), 'scripts', 'build-rr')
  return new Promise((res, rej) => {
    const child = spawn('bash', [script], { env: { ...env, RR_BUILD_VERSION: GO_BUILD_VERSION, RR_BUILD_VERBOSE: '1' }, stdio: ['ignore', 'pipe', 'pipe'], signal })
    let stdout = ''
    let partial = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n')
      partial = lines.pop() ?? ''
      for (const l of lines) if (l.trim()) onLine(l)
    })
    child.once('error', (err) => rej(new CliError('RR_ERR_GO_BUILD', `Cannot run ${script}: ${err.message}`)))
    child.once('close', (code) => {
      if (partial.trim()) onLine(partial)
      const path = stdout.trim().split('\n').pop() ?? ''
      if (code !== 0 || !path || !existsSync(path)) {
        return rej(new CliError('RR_ERR_GO_BUILD', `Building rr with Go failed (exit code ${code}). See the output above; Go >= 1.26 and access to the Go module proxy are needed.`))
      }
      res(path)
    })
  })
}
