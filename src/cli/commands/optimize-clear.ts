/**
 * `pionia optimize:clear`: undoes `optimize --production`: restores the previous `server.command`
 * and removes the compiled worker.
 * @module
 */
import { existsSync, rmSync } from 'node:fs'
import { relative } from 'node:path'
import { defineCommand } from '../command.js'
import { readState, setServerCommand, stateFile } from '../optimize-state.js'
import { painter, useColor } from '../_color.js'

export default defineCommand({
  name: 'optimize:clear',
  summary: 'Undo optimize: rr runs the TypeScript worker through tsx again',
  usage: `Usage: npx pionia optimize:clear

Restores server.command in the rr config to what it was before optimize --production and deletes the
compiled modules.
`,
  options: {},
  async run(_args, ctx) {
    const paint = painter(useColor(ctx.stdout, ctx.env))
    const state = readState(ctx.cwd)
    if (!state) {
      ctx.stdout.write('Nothing to clear: optimize has not compiled this app.\n')
      return 0
    }
    if (existsSync(state.config)) {
      const command = state.previousCommand ?? ['node', '--import', 'tsx', relative(ctx.cwd, state.entry)]
      setServerCommand(state.config, command)
      ctx.stdout.write(paint('green', `rr runs: ${Array.isArray(command) ? command.join(' ') : String(command)}`) + '\n')
    }
    for (const f of [...(state.outputs ?? [state.outfile, `${state.outfile}.map`]), stateFile(ctx.cwd)]) rmSync(f, { force: true })
    ctx.stdout.write('Compiled worker removed. Restart rr to use the TypeScript entry.\n')
    return 0
  },
})
