/**
 * Starting rr for runserver: the command line, a foreground run piped through the log formatter,
 * and a detached run appending to a log file. rr always gets its own process group, so a Ctrl+C in
 * the terminal reaches only pionia, which forwards exactly one SIGTERM (rr treats a second signal
 * as "exit forced" and skips the graceful worker stop).
 * @module
 */
import { spawn } from 'node:child_process'
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import type { ProjectPaths } from '../project.js'
import { LogLineWriter } from '../log-format.js'
import { onForce } from '../util/force-stop.js'
import { commandLine, isAlive, killGroup, sleep, startTime } from './pids.js'

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
    // Still starting: rr has no handler yet, so the group goes now (workers included).
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

export type DetachResult = { ok: true; pid: number } | { ok: false; exitCode: number | null }

/** A detached log at or over this size is rotated before the next start (PIONIA_LOG_MAX_BYTES). */
export const DEFAULT_LOG_MAX_BYTES = 20 * 1024 * 1024
/** Rotated generations kept: roadrunner.log.1 (newest) .. .3. */
const LOG_GENERATIONS = 3

/**
 * Rotates `log` when it has reached `maxBytes`: log.2 → log.3 (the oldest goes), log.1 → log.2,
 * log → log.1. Returns the path it moved the log to, or undefined when it was small enough.
 */
export function rotateLog(log: string, maxBytes: number): string | undefined {
  let size: number
  try {
    size = statSync(log).size
  } catch {
    return undefined
  }
  if (size < maxBytes) return undefined
  rmSync(`${log}.${LOG_GENERATIONS}`, { force: true })
  for (let i = LOG_GENERATIONS - 1; i >= 1; i--) if (existsSync(`${log}.${i}`)) renameSync(`${log}.${i}`, `${log}.${i + 1}`)
  renameSync(log, `${log}.1`)
  return `${log}.1`
}

/** PIONIA_LOG_MAX_BYTES as a positive whole number, else the default. */
export function logMaxBytes(env: NodeJS.ProcessEnv): number {
  const n = Number(env.PIONIA_LOG_MAX_BYTES)
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_LOG_MAX_BYTES
}

/**
 * Starts rr detached with output appended to the log (rotated first when it reached
 * PIONIA_LOG_MAX_BYTES, default 20 MiB); waits (up to 10 s) for rr's `.pid`.
 */
export async function startDetached(paths: ProjectPaths, args: string[], env: NodeJS.ProcessEnv): Promise<DetachResult> {
  mkdirSync(dirname(paths.logFile), { recursive: true, mode: 0o775 })
  rotateLog(paths.logFile, logMaxBytes(env))
  const fd = openSync(paths.logFile, 'a+')
  // rr's last words (an error without a newline) must not run into this run's first line.
  const size = fstatSync(fd).size
  if (size > 0) {
    const last = Buffer.alloc(1)
    readSync(fd, last, 0, 1, size - 1)
    if (last[0] !== 0x0a) writeSync(fd, '\n')
  }
  let exitCode: number | null | undefined
  try {
    const child = spawn(paths.binary, args, { cwd: paths.configDir, env, stdio: ['ignore', fd, fd], detached: true })
    child.once('exit', (code) => (exitCode = code))
    child.once('error', () => (exitCode = 127))
    child.unref()
    const deadline = Date.now() + 10_000
    while (Date.now() < deadline) {
      if (exitCode !== undefined) return { ok: false, exitCode }
      const pid = readPidFile(paths)
      if (pid !== undefined && pid === child.pid) return { ok: true, pid }
      await sleep(100)
    }
    return child.pid && isAlive(child.pid) ? { ok: true, pid: child.pid } : { ok: false, exitCode: exitCode ?? null }
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
