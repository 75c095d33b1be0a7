/**
 * The shape of a `pionia` command: a plain object, one file per command under commands/, loaded
 * lazily by main.ts (so `pionia --help` never loads rr or database code).
 * @module
 */
import type { ParseArgsConfig } from 'node:util'

/** Where a command reads and writes; injected so tests can run commands in-process. */
export interface CommandContext {
  /** Project root (the current directory). */
  cwd: string
  env: NodeJS.ProcessEnv
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
  /** Aborted on SIGINT/SIGTERM for long-running commands. */
  signal: AbortSignal
}

export interface ParsedArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>
  positionals: string[]
}

export interface Command {
  name: string
  aliases?: string[]
  /** One line for `pionia --help`. */
  summary: string
  /** Full help text for `pionia <command> --help`. */
  usage: string
  /** node:util parseArgs options. */
  options: NonNullable<ParseArgsConfig['options']>
  /** Returns the process exit code. */
  run(args: ParsedArgs, ctx: CommandContext): Promise<number>
}

/** An error with a message meant for the user (no stack) and an exit code. */
export class CliError extends Error {
  override readonly name = 'CliError'
  readonly code: string
  readonly exitCode: number
  constructor(code: string, message: string, exitCode = 1) {
    super(message)
    this.code = code
    this.exitCode = exitCode
  }
}

/** Typed identity helper for command files: `export default defineCommand({...})`. */
export function defineCommand(c: Command): Command {
  return c
}
