/**
 * Where a project's RoadRunner files live, shared by every rr command: the config and its directory
 * (rr's working directory, where `.pid` and `.rr.runtime.json` go), the `./rr` binary, the worker
 * entry rr runs, the detached log file, and the app's display name.
 * @module
 */
import { execFile } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { basename, dirname, isAbsolute, join, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { Settings } from '../config/settings.js'
import { CliError } from './command.js'

export interface ProjectPaths {
  root: string
  /** Absolute path of the rr config. */
  config: string
  /** rr's working directory: the config file's directory. */
  configDir: string
  /** `./rr` (rr.exe on Windows) in the project root. */
  binary: string
  pidFile: string
  runtimeFile: string
  logFile: string
}

/** Resolves the project paths from `--config` / `--log` (relative to the project root). */
export function projectPaths(root: string, options: { config?: string; log?: string } = {}): ProjectPaths {
  const config = resolve(root, options.config || '.rr.yaml')
  const configDir = dirname(config)
  return {
    root,
    config,
    configDir,
    binary: join(root, process.platform === 'win32' ? 'rr.exe' : 'rr'),
    pidFile: join(configDir, '.pid'),
    runtimeFile: join(configDir, '.rr.runtime.json'),
    logFile: options.log ? resolve(root, options.log) : join(root, 'storage', 'logs', 'roadrunner.log'),
  }
}

/** The app's name for messages: APP_NAME (environment or environment/.env), package.json name, or the folder. */
export function appName(root: string, env: NodeJS.ProcessEnv): string {
  const fromEnv = env.APP_NAME || new Settings(root).dotenv().APP_NAME
  if (fromEnv) return fromEnv
  try {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name?: string }
    if (pkg.name) return pkg.name
  } catch {
    // no package.json: fall back to the folder name
  }
  return basename(root)
}

/**
 * Runs `<binary> --version` (5 s limit) and returns its first line when it is RoadRunner's: the output
 * must start with "rr version" or mention "roadrunner", which rules out a shell alias or another tool
 * called rr.
 */
export async function rrVersion(binary: string): Promise<string | undefined> {
  try {
    if (!statSync(binary).isFile()) return undefined
  } catch {
    return undefined
  }
  // ETXTBSY: a just-written binary can still be open for writing in a process forked meanwhile.
  for (let attempt = 0; ; attempt++) {
    const result = await new Promise<{ out?: string; busy?: boolean }>((res) => {
      try {
        execFile(binary, ['--version'], { timeout: 5000 }, (err, stdout) => {
          if ((err as NodeJS.ErrnoException | null)?.code === 'ETXTBSY') return res({ busy: true })
          const out = String(stdout ?? '').trim()
          res(err || !(out.startsWith('rr version') || /roadrunner/i.test(out)) ? {} : { out: out.split('\n')[0] })
        })
      } catch (err) {
        res((err as NodeJS.ErrnoException).code === 'ETXTBSY' ? { busy: true } : {})
      }
    })
    if (!result.busy || attempt >= 20) return result.out
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** The rr binary's version line, or a CliError that says how to install it. */
export async function requireRr(paths: ProjectPaths): Promise<string> {
  const version = await rrVersion(paths.binary)
  if (version) return version
  const why = existsSync(paths.binary) ? `${paths.binary} exists but is not a working RoadRunner binary.` : `Expected it at ${paths.binary}.`
  throw new CliError(
    'RR_ERR_NO_BINARY',
    [
      'RoadRunner binary (rr) not found.',
      why,
      'Install it into your app root with: npx pionia rr:setup',
      '(An rr on your PATH or a shell alias named rr is not used: runserver runs ./rr only.)',
      'See https://docs.roadrunner.dev/docs/general/install for other ways to get rr.',
    ].join('\n'),
  )
}

/** The rr config as an object; a CliError if it is missing or not YAML. */
export function readRrConfig(paths: ProjectPaths): Record<string, unknown> {
  if (!existsSync(paths.config)) {
    throw new CliError(
      'RR_ERR_NO_CONFIG',
      `RoadRunner config not found: ${paths.config}\nCreate one with npx pionia rr:setup (it writes a default .rr.yaml), or pass --config=<path>.`,
    )
  }
  try {
    const doc = parseYaml(readFileSync(paths.config, 'utf8')) as unknown
    return doc && typeof doc === 'object' ? (doc as Record<string, unknown>) : {}
  } catch (err) {
    throw new CliError('RR_ERR_BAD_CONFIG', `${paths.config} is not valid YAML: ${(err as Error).message.split('\n')[0]}\nFix the file and try again.`)
  }
}

/** `server.command` as rr will run it (rr splits a one-string command on spaces). */
export function serverCommand(config: Record<string, unknown>): string[] {
  const cmd = (config.server as { command?: unknown } | undefined)?.command
  if (typeof cmd === 'string') return cmd.split(' ').filter(Boolean)
  if (Array.isArray(cmd)) {
    if (cmd.length === 1) return String(cmd[0]).split(' ').filter(Boolean)
    return cmd.map(String)
  }
  return []
}

const SCRIPT = /\.(?:[cm]?[jt]s|tsx)$/

/** The script file `server.command` runs (its last .ts/.js argument), absolute; undefined if none. */
export function workerEntry(config: Record<string, unknown>, configDir: string): string | undefined {
  const script = serverCommand(config).filter((a) => SCRIPT.test(a) && !a.startsWith('-')).pop()
  if (!script) return undefined
  return isAbsolute(script) ? script : resolve(configDir, script)
}
