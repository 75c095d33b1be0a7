/**
 * `pionia optimize:clear`: undoes `optimize`: puts back the `server.command` (and its comment) that
 * `--production` replaced, and removes exactly the files the manifest lists, then the folders that
 * this left empty. Nothing else is touched.
 * @module
 */
import { existsSync, readdirSync, rmSync, rmdirSync } from 'node:fs'
import { dirname, relative, sep } from 'node:path'
import { parse } from 'yaml'
import { defineCommand } from '../command.js'
import { readState, setServerCommand, stateFile } from '../optimize-state.js'
import { painter, useColor } from '../util/color.js'

/** Removes `dir` and its parents up to (and including) `stop` while they are empty. */
function pruneEmpty(dir: string, stop: string): void {
  while (dir === stop || dir.startsWith(stop + sep)) {
    if (!existsSync(dir) || readdirSync(dir).length > 0) return
    rmdirSync(dir)
    dir = dirname(dir)
  }
}

export default defineCommand({
  name: 'optimize:clear',
  summary: 'Undo optimize: rr runs the TypeScript worker through tsx again',
  usage: `Usage: npx pionia optimize:clear

Restores server.command in the rr config (and the comment above it) to what it was before
optimize --production, and deletes the files optimize wrote (listed in .pionia/optimize.json);
other files in the output folder stay.
`,
  options: {},
  async run(_args, ctx) {
    const paint = painter(useColor(ctx.stdout, ctx.env))
    const state = readState(ctx.cwd)
    if (!state) {
      ctx.stdout.write('Nothing to clear: optimize has not compiled this app.\n')
      return 0
    }
    if (state.config && state.previousCommandText !== undefined && existsSync(state.config)) {
      setServerCommand(state.config, state.previousCommandText, state.previousComment ?? '')
      const restored: unknown = parse(state.previousCommandText)
      ctx.stdout.write(paint('green', `rr runs: ${Array.isArray(restored) ? restored.join(' ') : String(restored)}`) + ` (server.command in ${relative(ctx.cwd, state.config)})\n`)
    }
    const outputs = state.outputs ?? []
    for (const f of outputs) rmSync(f, { force: true })
    for (const d of new Set(outputs.map((f) => dirname(f)))) pruneEmpty(d, state.outdir)
    rmSync(stateFile(ctx.cwd), { force: true })
    pruneEmpty(dirname(stateFile(ctx.cwd)), dirname(stateFile(ctx.cwd)))
    ctx.stdout.write(`Removed the ${outputs.length} file${outputs.length === 1 ? '' : 's'} optimize wrote. Restart rr to use the TypeScript entry.\n`)
    return 0
  },
})
