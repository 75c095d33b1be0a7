/**
 * Temp projects for the CLI tests, laid out as a user's app: worker.ts, .rr.yaml, environment/,
 * ./rr (the real rr built by scripts/build-rr) and node_modules with pionia and tsx linked in.
 * The CLI is the built one (bin/pionia.js → dist/), driven with execa like a user's shell.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { execa, type Options, type ResultPromise } from 'execa'
import { stringify } from 'yaml'
import { ROOT, rrBinary } from '../helpers/rr.js'

export const BIN = join(ROOT, 'bin', 'pionia.js')

export interface ProjectOptions {
  /** .rr.yaml content (version added); `false` writes none. */
  rrYaml?: Record<string, unknown> | false
  settingsIni?: string
  dotenv?: string
  /** Link ./rr to the real binary (default true). */
  withRr?: boolean
  /** Copy the fixture worker.ts (default true). */
  withWorker?: boolean
}

/** What a finished `pionia …` left behind. */
export interface CliResult {
  exitCode: number
  stdout: string
  stderr: string
}

export interface Project {
  dir: string
  /** Runs `pionia …` in the project and waits for it. */
  run(args: string[], options?: Options): Promise<CliResult>
  /** Starts `pionia …` in the project (for long-running commands). */
  spawn(args: string[], options?: Options): ResultPromise
  remove(): void
}

/** The .rr.yaml the tests use: one worker through the tsx loader, dev-mode logs. */
export function rrConfig(port: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    server: { command: 'node --import tsx worker.ts', relay: 'pipes' },
    http: { address: `127.0.0.1:${port}`, pool: { num_workers: 1, allocate_timeout: '60s', destroy_timeout: '10s' } },
    logs: { mode: 'development', level: 'info' },
    ...extra,
  }
}

export function makeProject(options: ProjectOptions = {}): Project {
  const dir = mkdtempSync(join(tmpdir(), 'pionia-cli-'))
  mkdirSync(join(dir, 'node_modules'))
  symlinkSync(ROOT, join(dir, 'node_modules', 'pionia'))
  symlinkSync(join(ROOT, 'node_modules', 'tsx'), join(dir, 'node_modules', 'tsx'))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'cli-test-app', type: 'module', private: true }))
  if (options.withWorker !== false) copyFileSync(join(ROOT, 'test/fixtures/cli/app/worker.ts'), join(dir, 'worker.ts'))
  if (options.withRr !== false) symlinkSync(rrBinary(), join(dir, 'rr'))
  if (options.rrYaml !== false && options.rrYaml) writeFileSync(join(dir, '.rr.yaml'), stringify({ version: '3', ...options.rrYaml }))
  if (options.settingsIni !== undefined || options.dotenv !== undefined) mkdirSync(join(dir, 'environment'))
  if (options.settingsIni !== undefined) writeFileSync(join(dir, 'environment', 'settings.ini'), options.settingsIni)
  if (options.dotenv !== undefined) writeFileSync(join(dir, 'environment', '.env'), options.dotenv)
  const spawn = (args: string[], opts: Options = {}): ResultPromise =>
    execa(process.execPath, [BIN, ...args], { cwd: dir, reject: false, env: { NO_COLOR: '1', PORT: '', SERVER_PORT: '', HOST: '', SERVER_HOST: '' }, ...opts })
  return {
    dir,
    spawn,
    run: async (args, opts = {}) => {
      const r = await spawn(args, opts)
      return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') }
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}

/** A running `pionia …` whose output the test can wait on. */
export interface Running {
  proc: ResultPromise
  output(): string
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>
}

const started = new Set<ResultPromise>()

/** Ctrl+C for every CLI process a test started and did not wait for (a failed test's leftovers). */
export async function stopAll(): Promise<void> {
  for (const proc of started) if (proc.exitCode === null) proc.kill('SIGINT')
  await Promise.allSettled([...started])
  started.clear()
}

export function startCli(project: Project, args: string[], options: Options = {}): Running {
  const proc = project.spawn(args, { buffer: true, ...options })
  started.add(proc)
  let out = ''
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  return {
    proc,
    output: () => out,
    async waitFor(re, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs
      while (!re.test(out)) {
        if (proc.exitCode !== null) throw new Error(`pionia ${args.join(' ')} exited (${proc.exitCode}) before printing ${re}:\n${out}`)
        if (Date.now() > deadline) throw new Error(`pionia ${args.join(' ')} did not print ${re}:\n${out}`)
        await new Promise((r) => setTimeout(r, 50))
      }
    },
  }
}

/** GET http://127.0.0.1:<port><path>, retried while rr's listener starts. */
export async function get(port: number, path: string, timeoutMs = 30_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) })
    } catch (err) {
      if (Date.now() > deadline) throw err
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

/**
 * Live processes of a project: rr (its command line names the dir) and its workers (rr starts them
 * in the config dir, so their cwd is the dir; their command line is just `node … worker.ts`).
 */
export function projectProcesses(dir: string): number[] {
  const found: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`)
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8')
      if (cmd === '') continue // a zombie: already exited, waiting to be reaped
      if (cwd === dir || cmd.includes(dir)) found.push(Number(entry))
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found
}

/**
 * A `project(...)` factory for one test file: every project it makes is removed, and every CLI
 * process still running is interrupted, after the file's tests.
 */
export function useProjects(cleanup?: (p: Project) => Promise<unknown>): (options?: ProjectOptions) => Project {
  const projects: Project[] = []
  afterAll(async () => {
    await stopAll()
    for (const p of projects) {
      await cleanup?.(p)
      p.remove()
    }
  })
  return (options) => {
    const p = makeProject(options)
    projects.push(p)
    return p
  }
}
