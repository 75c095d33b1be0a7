/**
 * Checks the worker entry against the rr config before rr starts it: the entry is imported once in a
 * child process with PIONIA_PROBE set (see src/worker/probe.ts), which reports the RR_MODE values its
 * serve() call handles. Each config section that makes rr start workers needs its mode; a missing one
 * is named with the exact fix, instead of rr's `static_pool_allocate_workers: EOF`.
 * @module
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { CliError } from '../command.js'

/** Config sections whose rr plugin starts a worker pool, and the RR_MODE it gives those workers. */
export const WORKER_SECTIONS = ['http', 'jobs', 'centrifuge', 'tcp', 'grpc', 'temporal'] as const

export type ProbeResult =
  | { kind: 'modes'; modes: string[] }
  /** A raw payload worker (runWorker): it takes whatever mode rr gives it. */
  | { kind: 'any' }
  /** The entry ended without calling a pionia entry point (not a pionia worker): nothing to check. */
  | { kind: 'unknown' }
  | { kind: 'timeout' }
  | { kind: 'crashed'; code: number | null; output: string }

/** Runs `command` (server.command) in `cwd` with PIONIA_PROBE set; up to `timeoutMs`. */
export async function probeWorker(command: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<ProbeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'pionia-probe-'))
  const file = join(dir, 'modes.json')
  const { RR_MODE: _m, RR_RELAY: _r, RR_RPC: _p, ...rest } = env
  try {
    const result = await new Promise<{ code: number | null; output: string; timedOut: boolean }>((res) => {
      const child = spawn(command[0]!, command.slice(1), { cwd, env: { ...rest, PIONIA_PROBE: file }, stdio: ['ignore', 'pipe', 'pipe'] })
      let output = ''
      const keep = (d: Buffer): void => {
        output = (output + d.toString()).slice(-8000)
      }
      child.stdout.on('data', keep)
      child.stderr.on('data', keep)
      let timedOut = false
      const timer = setTimeout(() => {
        timedOut = true
        child.kill('SIGKILL')
      }, timeoutMs)
      child.once('error', (err) => {
        clearTimeout(timer)
        res({ code: 127, output: `cannot run ${command[0]}: ${err.message}`, timedOut: false })
      })
      child.once('close', (code) => {
        clearTimeout(timer)
        res({ code, output, timedOut })
      })
    })
    let answer: { modes: string[] | null } | undefined
    try {
      answer = JSON.parse(readFileSync(file, 'utf8')) as { modes: string[] | null }
    } catch {
      answer = undefined
    }
    if (answer) return answer.modes === null ? { kind: 'any' } : { kind: 'modes', modes: answer.modes }
    if (result.timedOut) return { kind: 'timeout' }
    if (result.code !== 0) return { kind: 'crashed', code: result.code, output: result.output }
    return { kind: 'unknown' }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The worker-pool sections present in `config`, in WORKER_SECTIONS order. */
export function workerSections(config: Record<string, unknown>): string[] {
  return WORKER_SECTIONS.filter((s) => config[s] !== undefined && config[s] !== null)
}

/**
 * The sections of `config` the probed worker cannot serve, as one message per section (empty: all
 * served). `configName` and `entryName` are how the user knows the files.
 */
export function unservedSections(config: Record<string, unknown>, probe: ProbeResult, configName: string, entryName: string): string[] {
  if (probe.kind !== 'modes') return []
  return workerSections(config)
    .filter((s) => !probe.modes.includes(s))
    .map(
      (s) =>
        `${configName} has a "${s}" section, but ${entryName} has no handler for RR_MODE=${s} (it handles: ${probe.modes.join(', ') || 'nothing'}).\n` +
        `  Fix: remove the "${s}:" section from ${configName}, or add the handler: ` +
        (s === 'http' ? 'serve({ http: app, ... })' : s === 'tcp' ? 'serve({ tcp: handler }) (pionia/tcp)' : `serve({ ${probe.modes.includes('http') ? 'http: app, ' : ''}modes: { ${s}: handler } })`),
    )
}

/** The CliError for a worker entry that failed at import, with its last output lines. */
export function crashedError(probe: Extract<ProbeResult, { kind: 'crashed' }>, entry: string, root: string): CliError {
  const lines = probe.output.split('\n').filter((l) => l.trim() !== '').slice(-20)
  const name = relative(root, entry) || entry
  return new CliError(
    'RR_ERR_WORKER_CRASHED',
    `The worker entry ${name} fails when it is imported (exit code ${probe.code ?? 'unknown'}), so rr could not start it:\n` +
      lines.map((l) => `  ${l}`).join('\n') +
      `\nFix the error above in ${name} (run it with: node --import tsx ${name}), then try again.`,
  )
}

/**
 * Probes the entry and throws a CliError when it crashes at import or lacks a mode for a section.
 * Returns the probe result (a timeout or a non-pionia worker is not an error: rr will tell).
 */
export async function checkWorkerServes(options: {
  command: string[]
  cwd: string
  env: NodeJS.ProcessEnv
  config: Record<string, unknown>
  configName: string
  entry: string
  root: string
}): Promise<ProbeResult> {
  const probe = await probeWorker(options.command, options.cwd, options.env)
  if (probe.kind === 'crashed') throw crashedError(probe, options.entry, options.root)
  const problems = unservedSections(options.config, probe, options.configName, relative(options.root, options.entry) || options.entry)
  if (problems.length) throw new CliError('RR_ERR_WORKER_MODES', problems.join('\n'))
  return probe
}
