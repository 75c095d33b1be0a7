/**
 * Starts the real rr (built by scripts/build-rr) for integration tests: a temp working directory, a
 * .rr.yaml on loopback ports picked at run time, log capture, readiness polling, and a stop that
 * checks no worker process is left behind.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { stringify } from 'yaml'

export const ROOT = resolve(new URL('../..', import.meta.url).pathname)

/** The tsx loader as an absolute file URL: rr starts workers in its own working directory. */
export const TSX_LOADER = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/loader.mjs')).href

let cachedBinary: string | undefined

/** Path of the rr binary: $PIONIA_RR_BIN, else what scripts/build-rr built. Fails loudly if absent. */
export function rrBinary(): string {
  if (cachedBinary) return cachedBinary
  const fromEnv = process.env.PIONIA_RR_BIN
  const path = fromEnv || execFileSync('bash', [join(ROOT, 'scripts/build-rr'), '--path'], { encoding: 'utf8' }).trim()
  if (!existsSync(path)) {
    throw new Error(`rr binary not found at ${path}: run bash scripts/build-rr first (CI does this in .ci/run)`)
  }
  cachedBinary = path
  return path
}

/** A free loopback TCP port. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address()
      s.close(() => resolvePort(typeof addr === 'object' && addr ? addr.port : 0))
    })
  })
}

/** The command line that runs a TypeScript file as a worker (node with the tsx loader). */
export function nodeCommand(script: string, ...args: string[]): string[] {
  return [process.execPath, '--import', TSX_LOADER, resolve(ROOT, script), ...args]
}

export interface RrOptions {
  /** The .rr.yaml content as an object (version is added). */
  config: Record<string, unknown>
  /** Extra environment for rr (and so for its workers). */
  env?: Record<string, string>
  /** Wait until this URL answers (any status) before resolving. */
  waitForUrl?: string
  /** Wait until this TCP port accepts connections. */
  waitForPort?: number
  /** Working directory (default: a new temp dir). */
  cwd?: string
  /** Extra rr arguments (e.g. -o overrides). */
  args?: string[]
  /** How long to wait for readiness (default 60 s). */
  timeoutMs?: number
  /** Run rr with this open-files limit (soft and hard, set by `ulimit -n` in bash before exec). */
  nofile?: number
}

export interface RrInstance {
  readonly process: ChildProcess
  readonly cwd: string
  readonly configPath: string
  /** Everything rr printed so far (stdout and stderr interleaved). */
  output(): string
  /** Resolves when the output matches `re`. */
  waitForOutput(re: RegExp, timeoutMs?: number): Promise<void>
  /** SIGTERM, wait for exit; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

const running = new Set<RrInstance>()
process.once('exit', () => {
  for (const r of running) r.process.kill('SIGKILL')
})

export async function startRr(options: RrOptions): Promise<RrInstance> {
  const cwd = options.cwd ?? mkdtempSync(join(tmpdir(), 'pionia-rr-'))
  const configPath = join(cwd, '.rr.yaml')
  writeFileSync(configPath, stringify({ version: '3', ...options.config }))
  const argv = [rrBinary(), 'serve', '-c', configPath, ...(options.args ?? [])]
  // bash execs rr after lowering the limit, so child.pid is rr's pid.
  const [file, ...args] = options.nofile ? ['bash', '-c', `ulimit -n ${options.nofile} && exec "$@"`, 'rr', ...argv] : argv
  const child = spawn(file!, args, {
    cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  const watchers = new Set<() => void>()
  const onData = (d: Buffer): void => {
    out += d.toString()
    for (const w of watchers) w()
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))

  const instance: RrInstance = {
    process: child,
    cwd,
    configPath,
    output: () => out,
    waitForOutput(re, timeoutMs = 30_000) {
      return new Promise((res, rej) => {
        const check = (): void => {
          if (re.test(out)) {
            watchers.delete(check)
            clearTimeout(t)
            res()
          }
        }
        const t = setTimeout(() => {
          watchers.delete(check)
          rej(new Error(`rr output did not match ${re} within ${timeoutMs} ms; output:\n${out}`))
        }, timeoutMs)
        watchers.add(check)
        check()
      })
    },
    async stop(signal = 'SIGTERM') {
      running.delete(instance)
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
      child.kill(signal)
      const t = setTimeout(() => child.kill('SIGKILL'), 20_000)
      const code = await exited
      clearTimeout(t)
      if (!options.cwd) rmSync(cwd, { recursive: true, force: true })
      return code
    },
  }
  running.add(instance)

  const deadline = Date.now() + (options.timeoutMs ?? 60_000)
  const failEarly = (): void => {
    if (child.exitCode !== null) throw new Error(`rr exited with code ${child.exitCode} during start:\n${out}`)
    if (Date.now() > deadline) throw new Error(`rr did not become ready in time:\n${out}`)
  }
  if (options.waitForUrl) {
    for (;;) {
      failEarly()
      try {
        await fetch(options.waitForUrl, { signal: AbortSignal.timeout(2000) })
        break
      } catch {
        await new Promise((r) => setTimeout(r, 100))
      }
    }
  }
  if (options.waitForPort) {
    for (;;) {
      failEarly()
      if (await portOpen(options.waitForPort)) break
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  return instance
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((res) => {
    import('node:net').then(({ connect }) => {
      const s = connect({ host: '127.0.0.1', port })
      s.once('connect', () => {
        s.destroy()
        res(true)
      })
      s.once('error', () => res(false))
    })
  })
}

/** Pids of live processes whose command line contains `needle` (from /proc). */
export function processesMatching(needle: string): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
  return out
    .split('\n')
    .filter((l) => l.includes(needle) && !l.includes('ps -eo'))
    .map((l) => Number(l.trim().split(/\s+/)[0]))
    .filter((n) => Number.isInteger(n) && n > 0)
}
