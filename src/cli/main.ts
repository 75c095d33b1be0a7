/**
 * The `pionia` entry: the only file that reads process.argv, listens to process signals and calls
 * process.exit. Everything else gets a CommandContext, so commands run in-process in tests too.
 * @module
 */
import { parseArgs } from 'node:util'
import { readFileSync } from 'node:fs'
import type { Command, CommandContext } from './command.js'
import { CliError } from './command.js'
import { commands, aliases } from './commands/index.js'
import { forceRequested } from './util/force-stop.js'
import { painter, useColor } from './util/color.js'
import { nearest } from './util/suggest.js'
import { describe } from '../util/describe.js'

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string }
    return pkg.version ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

async function loadAll(): Promise<Command[]> {
  return Promise.all(Object.values(commands).map(async (load) => (await load()).default))
}

async function findCommand(name: string): Promise<Command | undefined> {
  const key = commands[name] ? name : aliases[name]
  if (key && commands[key]) return (await commands[key]!()).default
  // Commands registered by other parts may declare aliases only in their own file.
  return (await loadAll()).find((c) => c.aliases?.includes(name))
}

async function globalHelp(ctx: CommandContext): Promise<void> {
  const all = (await loadAll()).sort((a, b) => a.name.localeCompare(b.name))
  const width = Math.max(...all.map((c) => c.name.length)) + 2
  const lines = [
    `pionia ${packageVersion()}: RoadRunner for Node.js workers`,
    '',
    'Usage: npx pionia <command> [options]',
    '',
    'Commands:',
    ...all.map((c) => `  ${c.name.padEnd(width)}${c.summary}${c.aliases?.length ? ` (aliases: ${c.aliases.join(', ')})` : ''}`),
    '',
    'Run npx pionia <command> --help for the options of a command.',
    '',
  ]
  ctx.stdout.write(lines.join('\n'))
}

/** Runs the CLI with `argv` (without node and the script); returns the exit code. */
export async function runCli(argv: string[], ctx: CommandContext): Promise<number> {
  const paint = painter(useColor(ctx.stderr, ctx.env))
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help' || name === 'list') {
    if (name === 'help' && rest[0]) return runCli([rest[0], '--help'], ctx)
    await globalHelp(ctx)
    return 0
  }
  if (name === '--version' || name === '-V') {
    ctx.stdout.write(`pionia ${packageVersion()}\n`)
    return 0
  }
  const command = await findCommand(name)
  if (!command) {
    const names = [...Object.keys(commands), ...Object.keys(aliases)]
    const guess = nearest(name, names)
    ctx.stderr.write(
      `${paint('red', `Unknown command "${name}".`)}${guess ? ` Did you mean "${guess}"?` : ''}\n` +
        'Run npx pionia --help for the list of commands.\n',
    )
    return 1
  }
  let args
  try {
    args = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    })
  } catch (err) {
    const msg = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '')
    ctx.stderr.write(`${paint('red', msg)}\nSee: npx pionia ${command.name} --help\n`)
    return 1
  }
  if (args.values.help) {
    ctx.stdout.write(`${command.usage.trimEnd()}\n`)
    return 0
  }
  try {
    return await command.run(args, ctx)
  } catch (err) {
    if (err instanceof CliError) {
      const [first, ...more] = err.message.split('\n')
      ctx.stderr.write(`${paint('red', first!)}\n${more.map((l) => `${l}\n`).join('')}`)
      return err.exitCode
    }
    throw err
  }
}

// --- process edges ---

/** The process entry (bin/pionia.js calls it): wires argv, signals and the exit code. */
export async function main(): Promise<never> {
  const controller = new AbortController()
  let signals = 0
  const onSignal = (sig: NodeJS.Signals): void => {
    signals += 1
    if (signals === 1) controller.abort(sig)
    else if (!forceRequested()) process.exit(130)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  // A closed terminal: stop rr like Ctrl+C would rather than leave it running unattended.
  process.on('SIGHUP', onSignal)
  const ctx: CommandContext = { cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr, signal: controller.signal }
  let code: number
  try {
    code = await runCli(process.argv.slice(2), ctx)
  } catch (err) {
    process.stderr.write(`pionia: unexpected error: ${describe(err)}\n`)
    code = 1
  }
  // Let piped stdout/stderr drain before exiting (process.exit would cut them short).
  return new Promise<never>(() => {
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)))
  })
}
