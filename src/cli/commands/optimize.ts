/**
 * `pionia optimize --production`: compiles the app (worker entry and everything it imports) to
 * dist/ with esbuild (tsc's layout), so workers boot without the TypeScript loader, and points rr's
 * `server.command` at `node dist/worker.js`. `optimize:clear` undoes it.
 * @module
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { CliError, defineCommand } from '../command.js'
import { str } from '../_args.js'
import { projectPaths, readRrConfig, workerEntry } from '../project.js'
import { readState, setServerCommand, stateFile } from '../optimize-state.js'
import { compileApp } from '../compile.js'
import { painter, useColor } from '../_color.js'


export default defineCommand({
  name: 'optimize',
  summary: 'Compile the app to dist/ (--production also makes rr run node dist/worker.js)',
  usage: `Usage: npx pionia optimize [--production] [options]

Compiles the worker entry and every app module it imports to dist/ with the same layout as tsc
(worker.ts → dist/worker.js, app/x.ts → dist/app/x.js); packages in node_modules stay imports.
Workers then start with plain node instead of the tsx loader. Non-code files (SQL, templates) are
not copied: code that reads them through import.meta.url must look next to the sources too.

Options:
  --production      also set server.command in .rr.yaml to ["node", "dist/worker.js"] (comments kept);
                    undo with npx pionia optimize:clear
  --worker=<path>   entry to compile (default: the script in server.command, else worker.ts)
  --config=<path>   rr config (default .rr.yaml)
  --outdir=<dir>    output directory (default dist)
`,
  options: {
    production: { type: 'boolean' },
    worker: { type: 'string' },
    config: { type: 'string' },
    outdir: { type: 'string' },
  },
  async run({ values }, ctx) {
    const paint = painter(useColor(ctx.stdout, ctx.env))
    const paths = projectPaths(ctx.cwd, { config: str(values.config) })
    const config = existsSync(paths.config) ? readRrConfig(paths) : {}
    const previous = readState(ctx.cwd)
    const fromConfig = workerEntry(config, paths.configDir)
    // After a production optimize the config runs dist/worker.js; compile the original entry again.
    const entry = resolve(ctx.cwd, str(values.worker) ?? (previous && fromConfig === previous.outfile ? previous.entry : undefined) ?? fromConfig ?? 'worker.ts')
    if (!existsSync(entry)) throw new CliError('RR_ERR_NO_WORKER', `Worker entry not found: ${entry}\nPass --worker=<path> or create worker.ts.`)
    if (/\.js$/.test(entry) && entry.includes(`${join(ctx.cwd, str(values.outdir) ?? 'dist')}`)) {
      throw new CliError('RR_ERR_NO_WORKER', `${entry} is already compiled output: pass the TypeScript entry with --worker=worker.ts.`)
    }
    const outdir = resolve(ctx.cwd, str(values.outdir) ?? 'dist')
    mkdirSync(outdir, { recursive: true })
    ctx.stdout.write(`==> Compiling ${relative(ctx.cwd, entry)} and the app modules it imports → ${relative(ctx.cwd, outdir)}/\n`)
    const { outfile, modules, outputs } = await compileApp(ctx.cwd, entry, outdir)
    ctx.stdout.write(`  ${modules} module${modules === 1 ? '' : 's'}; entry ${relative(ctx.cwd, outfile)} (${(statSync(outfile).size / 1024).toFixed(1)} KB)\n`)
    if (!values.production) {
      ctx.stdout.write('Compiled. rr still runs the TypeScript entry; pass --production to switch it to the compiled one.\n')
      return 0
    }
    if (!existsSync(paths.config)) throw new CliError('RR_ERR_NO_CONFIG', `RoadRunner config not found: ${paths.config}\nCreate one with npx pionia rr:setup, or pass --config=<path>.`)
    const command = ['node', relative(paths.configDir, outfile)]
    const replaced = setServerCommand(paths.config, command)
    writeFileSync(
      stateFile(ctx.cwd),
      JSON.stringify(
        {
          entry,
          outfile,
          outputs,
          config: paths.config,
          // Keep the original development command across repeated optimizes.
          previousCommand: previous && previous.config === paths.config ? previous.previousCommand : replaced,
          builtAt: new Date().toISOString(),
        },
        null,
        2,
      ),
    )
    ctx.stdout.write(paint('green', `rr now runs: ${command.join(' ')}`) + ` (server.command in ${relative(ctx.cwd, paths.config)})\n`)
    ctx.stdout.write('Restart rr to use it (npx pionia stopserver, then runserver). Back to the TypeScript loader: npx pionia optimize:clear\n')
    return 0
  },
})
