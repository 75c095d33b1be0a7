/**
 * `pionia runserver:logs`: prints the tail of the detached rr log and follows it, formatted.
 * @module
 */
import { existsSync } from 'node:fs'
import { CliError, defineCommand } from '../command.js'
import { str } from '../util/args.js'
import { projectPaths } from '../project.js'
import { LogLineWriter } from '../log-format.js'
import { follow, tailLines } from '../tail.js'
import { sleep } from '../rr/pids.js'
import { painter, useColor } from '../util/color.js'


export default defineCommand({
  name: 'runserver:logs',
  aliases: ['rr:logs', 'roadrunner:logs', 'logs:rr'],
  summary: 'Show and follow the log of a detached RoadRunner (Ctrl+C to stop)',
  usage: `Usage: npx pionia runserver:logs [options]

Prints the last lines of storage/logs/roadrunner.log (written by runserver --detach), formatted, and
follows it: new lines, truncation, rotation and deletion/recreation are handled.

Options:
  --lines=<n>    lines to print first (default 50; 0 starts at the end)
  --no-follow    print and exit
  -w, --wait     wait for the log file to appear
  --log=<path>   log file (default storage/logs/roadrunner.log)
  --raw          print rr's lines untouched
`,
  options: {
    lines: { type: 'string' },
    'no-follow': { type: 'boolean' },
    wait: { type: 'boolean', short: 'w' },
    log: { type: 'string' },
    raw: { type: 'boolean' },
  },
  async run({ values }, ctx) {
    const color = useColor(ctx.stdout, ctx.env)
    const paint = painter(color)
    const path = projectPaths(ctx.cwd, { log: str(values.log) }).logFile
    const lines = Number(str(values.lines) ?? 50)
    if (!Number.isInteger(lines)) throw new CliError('RR_ERR_BAD_OPTION', `--lines must be a whole number, got "${String(values.lines)}".`)
    const followIt = !values['no-follow']
    if (!existsSync(path)) {
      if (!values.wait) {
        throw new CliError(
          'RR_ERR_NO_LOG',
          `Log file not found: ${path}\nStart RoadRunner in the background: npx pionia runserver --detach\nOr pass --wait to block until the log file exists.`,
        )
      }
      ctx.stdout.write(paint('yellow', 'Waiting for log file...') + '\n')
      while (!existsSync(path)) {
        if (ctx.signal.aborted) return 0
        await sleep(200)
      }
    }
    // Take the offset before saying "Following": a line written after the header is never skipped.
    const { lines: first, offset, partial } = tailLines(path, lines)
    ctx.stdout.write(paint('yellow', followIt ? `Following ${path} (Ctrl+C to stop)` : `Last ${first.length} line${first.length === 1 ? '' : 's'} of ${path}`) + '\n')
    const writer = new LogLineWriter((l) => ctx.stdout.write(`${l}\n`), { raw: Boolean(values.raw), color })
    for (const l of first) writer.push(`${l}\n`)
    if (!followIt) {
      writer.push(partial)
      writer.flush()
      return 0
    }
    await follow(path, offset, (chunk) => writer.push(chunk), ctx.signal)
    writer.flush()
    return 0
  },
})
