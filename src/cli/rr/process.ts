/**
 * Starting rr for runserver: the command line, a foreground run piped through the log formatter,
 * and a detached run whose output the log keeper appends to a rotated log file. rr always gets its own process group, so a Ctrl+C in
 * the terminal reaches only pionia, which forwards exactly one SIGTERM (rr treats a second signal
 * as "exit forced" and skips the graceful worker stop).
 * @module
 */
import { spawn } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { logMaxBytes } from './rotating-log.js'
import type { ProjectPaths } from '../project.js'
import { LogLineWriter } from '../log-format.js'
import { onForce } from '../util/force-stop.js'
import { commandLine, isAlive, killGroup, parentPid, sleep, startTime } from './pids.js'

/** rr's arguments: `-w <dir> -p [-s] serve -c <config> [-o http.address=…] [-o <user overrides>…]`. */
export function rrArgs(paths: ProjectPaths, options: { detach: boolean; overrideAddress?: string; overrides?: string[] }): string[] {
  const args = ['-w', paths.configDir, '-p']
  if (options.detach) args.push('-s')
  args.push('serve', '-c', paths.config)
  if (options.overrideAddress) args.push('-o', `http.address=${options.overrideAddress}`)
  for (const o of options.overrides ?? []) args.push('-o', o)
  return args
}

/** Environment for rr and its workers. */
export function rrEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, PIONIA_RUNTIME: 'worker' }
}

export interface ForegroundOptions {
  args: string[]
  env: NodeJS.ProcessEnv
  raw: boolean
  color: boolean
  /** Where formatted lines go. */
  write: (line: string) => void
  signal: AbortSignal
}

/** What rr prints once its plugins are up and its signal handlers are installed (not under -s). */
const STARTED_LINE = 'RoadRunner server started'

/** Runs rr in the foreground until it exits; resolves with its exit code (128+n for a signal). */
export function runForeground(paths: ProjectPaths, options: ForegroundOptions): Promise<number> {
  const child = spawn(paths.binary, options.args, {
    cwd: paths.configDir,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  const out = new LogLineWriter(options.write, { raw: options.raw, color: options.color })
  const err = new LogLineWriter(options.write, { raw: options.raw, color: options.color })
  // rr installs its signal handlers only once every plugin has started (then it prints "RoadRunner
  // server started"); a SIGTERM before that kills it outright (exit 143, no graceful worker stop).
  // So a Ctrl+C during the start is held until that line, or until rr exits.
  let started = false
  let pending = false
  let seen = ''
  child.stdout!.on('data', (d: Buffer) => {
    if (!started) {
      seen = (seen + d.toString('latin1')).slice(-200)
      if (seen.includes(STARTED_LINE)) {
        started = true
        seen = ''
        if (pending) stop()
      }
    }
    out.push(d)
  })
  child.stderr!.on('data', (d: Buffer) => err.push(d))
  const stop = (): void => {
    if (child.exitCode !== null || !child.pid) return
    if (!started) {
      pending = true
      options.write('RoadRunner is still starting: it stops once started (Ctrl+C again to kill it now).')
      return
    }
    child.kill('SIGTERM')
  }
  options.signal.addEventListener('abort', stop, { once: true })
  // A second Ctrl+C is rr's own "force stop" (a second signal: rr prints "exit forced" and exits 1);
  // if rr is still there 3 s later, its process group is killed.
  let killTimer: NodeJS.Timeout | undefined
  const unForce = onForce(() => {
    if (child.exitCode !== null || !child.pid) return
    // Still starting: rr has no handler yet, so its group goes now (its workers exit as their pipes close).
    if (!started) return killGroup(child.pid, 'SIGKILL')
    child.kill('SIGTERM')
    killTimer ??= setTimeout(() => child.pid && killGroup(child.pid, 'SIGKILL'), 3000)
  })
  return new Promise((res, rej) => {
    child.once('error', rej)
    child.once('close', (code, sig) => {
      options.signal.removeEventListener('abort', stop)
      unForce()
      clearTimeout(killTimer)
      out.flush()
      err.flush()
      // Anything rr left in its group (it isolates workers in their own groups) goes with it.
      if (child.pid) killGroup(child.pid, 'SIGKILL')
      res(code ?? (sig ? 128 + (sig === 'SIGKILL' ? 9 : sig === 'SIGINT' ? 2 : 15) : 1))
    })
  })
}

/** What `.rr.runtime.json` records about a detached instance. */
export interface RuntimeInfo {
  http_address: string
  host: string
  port: number
  config: string
  pid: number
  /** Process group (rr is its leader). */
  pgid: number
  /** /proc start time of pid, to tell it from a later process with the same pid. */
  pid_start?: string
  log: string
  binary: string
  started_at: string
  /** The log keeper writing rr's output to `log` (detached runs), and its /proc start time. */
  keeper_pid?: number
  keeper_start?: string
}

export function readRuntime(paths: ProjectPaths): RuntimeInfo | undefined {
  try {
    return JSON.parse(readFileSync(paths.runtimeFile, 'utf8')) as RuntimeInfo
  } catch {
    return undefined
  }
}

export function writeRuntime(paths: ProjectPaths, info: RuntimeInfo): void {
  const tmp = `${paths.runtimeFile}.${process.pid}.tmp`
  writeFileSync(tmp, `${JSON.stringify(info, null, 2)}\n`)
  renameSync(tmp, paths.runtimeFile)
}

/** The pid in `.pid`, if the file holds one. */
export function readPidFile(paths: ProjectPaths): number | undefined {
  try {
    const n = Number(readFileSync(paths.pidFile, 'utf8').trim())
    return Number.isInteger(n) && n > 0 ? n : undefined
  } catch {
    return undefined
  }
}

/**
 * The rr pid recorded for this project (`.pid`, `.rr.runtime.json`) when it is still that same rr
 * process; undefined when nothing is recorded, the process is gone, or the pid now belongs to
 * something else (a different start time, or not an `rr … serve`).
 */
export function recordedInstance(paths: ProjectPaths): number | undefined {
  const runtime = readRuntime(paths)
  const pid = readPidFile(paths) ?? runtime?.pid
  if (pid === undefined || !isAlive(pid)) return undefined
  if (runtime?.pid === pid && runtime.pid_start !== undefined) {
    const now = startTime(pid)
    return now === undefined || now === runtime.pid_start ? pid : undefined
  }
  // A foreground runserver writes .pid only: accept it when the process is an rr serve.
  const cmd = commandLine(pid)
  return cmd === undefined || / serve\b/.test(cmd) ? pid : undefined
}

export type DetachResult = { ok: true; pid: number; keeper: number } | { ok: false; exitCode: number | null }

/** What the log keeper (src/cli/log-keeper-main.ts) is told, in PIONIA_LOG_KEEPER. */
export interface LogKeeperConfig {
  binary: string
  args: string[]
  cwd: string
  log: string
  maxBytes: number
}

/** node's arguments for the log keeper: the compiled entry next to this file, or the TypeScript source through tsx. */
function keeperArgs(): string[] {
  const js = fileURLToPath(new URL('../log-keeper-main.js', import.meta.url))
  if (existsSync(js)) return [js]
  const loader = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/loader.mjs')).href
  return ['--import', loader, fileURLToPath(new URL('../log-keeper-main.ts', import.meta.url))]
}

/**
 * Starts rr detached under the log keeper, which appends rr's output to the log in whole lines and
 * rotates it at PIONIA_LOG_MAX_BYTES (default 20 MiB; .1-.3 kept), at start and during the run.
 * Waits (up to 10 s) for rr's `.pid`, written by the keeper's child.
 */
export async function startDetached(paths: ProjectPaths, args: string[], env: NodeJS.ProcessEnv): Promise<DetachResult> {
  mkdirSync(dirname(paths.logFile), { recursive: true, mode: 0o775 })
  const config: LogKeeperConfig = { binary: paths.binary, args, cwd: paths.configDir, log: paths.logFile, maxBytes: logMaxBytes(env) }
  // The keeper's own failure (before it took over the log) lands in the log too.
  const fd = openSync(paths.logFile, 'a')
  let exitCode: number | null | undefined
  try {
    const keeper = spawn(process.execPath, keeperArgs(), {
      cwd: paths.root,
      env: { ...env, PIONIA_LOG_KEEPER: JSON.stringify(config) },
      stdio: ['ignore', 'ignore', fd],
      detached: true,
    })
    keeper.once('exit', (code) => (exitCode = code))
    keeper.once('error', () => (exitCode = 127))
    keeper.unref()
    const deadline = Date.now() + 10_000
    while (Date.now() < deadline) {
      if (exitCode !== undefined) return { ok: false, exitCode }
      const pid = readPidFile(paths)
      if (pid !== undefined && keeper.pid !== undefined && parentPid(pid) === keeper.pid) return { ok: true, pid, keeper: keeper.pid }
      await sleep(100)
    }
    return { ok: false, exitCode: exitCode ?? null }
  } finally {
    closeSync(fd)
  }
}

/** The last `n` lines of a file (for error messages). */
export function lastLines(path: string, n: number): string[] {
  if (!existsSync(path)) return []
  const text = readFileSync(path, 'utf8')
  return text.split('\n').filter((l) => l.trim() !== '').slice(-n)
}

export { startTime }
