/**
 * `pionia optimize --production`: compiles the app (worker entry and everything it imports) to
 * build/ with esbuild (tsc's layout), so workers boot without the TypeScript loader, and points rr's
 * `server.command` at `node build/worker.js`. `optimize:clear` undoes it.
 * @module
 */
import { existsSync, statSync } from 'node:fs'
import { relative, resolve, sep } from 'node:path'
import { CliError, defineCommand } from '../command.js'
import { str } from '../util/args.js'
import { projectPaths, readRrConfig, workerEntry } from '../project.js'
import { flowList, ownBuildDir, readState, setServerCommand, writeState } from '../optimize-state.js'
import { compileApp } from '../compile.js'
import { painter, useColor } from '../util/color.js'

/** The comment optimize --production puts above the command it sets (optimize:clear restores the old one). */
const PRODUCTION_COMMENT = `# Production: the app compiled by "npx pionia optimize --production" runs with plain node.
# "npx pionia optimize:clear" puts back the development command (the tsx loader) and its comment.`

const inside = (dir: string, parent: string): boolean => dir === parent || dir.startsWith(parent + sep)

export default defineCommand({
  name: 'optimize',
  summary: 'Compile the app to build/ (--production also makes rr run node build/worker.js)',
  usage: `Usage: npx pionia optimize [--production] [options]

Compiles the worker entry and every app module it imports to build/ with the same layout as tsc
(worker.ts → build/worker.js, app/x.ts → build/app/x.js); packages in node_modules stay imports,
except pionia itself, whose modules are bundled into build/.pionia/ (a worker then loads a few
files instead of about a hundred ES modules at each start). Workers start with plain node instead
of the tsx loader. Non-code files beside the modules
(SQL, HTML) are copied along. Every file written is listed in .pionia/optimize.json, which
optimize:clear reads to remove exactly those; a file optimize did not write is never overwritten.

Options:
  --production      also set server.command in .rr.yaml to ["node", "build/worker.js"] (only that
                    value and its comment change); undo with npx pionia optimize:clear
  --worker=<path>   entry to compile (default: the script in server.command, else worker.ts)
  --config=<path>   rr config (default .rr.yaml)
  --outdir=<dir>    output directory (default build; never pionia's own dist/)
  --no-bundle       keep pionia as a package import instead of bundling it into build/.pionia/
`,
  options: {
    production: { type: 'boolean' },
    worker: { type: 'string' },
    config: { type: 'string' },
    outdir: { type: 'string' },
    'no-bundle': { type: 'boolean' },
  },
  async run({ values }, ctx) {
    const paint = painter(useColor(ctx.stdout, ctx.env))
    const paths = projectPaths(ctx.cwd, { config: str(values.config) })
    const config = existsSync(paths.config) ? readRrConfig(paths) : {}
    const previous = readState(ctx.cwd)
    const outdir = resolve(ctx.cwd, str(values.outdir) ?? previous?.outdir ?? 'build')
    const own = ownBuildDir()
    if (inside(outdir, own) || inside(own, outdir)) {
      throw new CliError('RR_ERR_OUTDIR', `${outdir} holds pionia's own build (${own}), the CLI you are running: compiling the app there would overwrite it.\nPass another --outdir=<dir> (the default is build/).`)
    }
    if (inside(ctx.cwd, outdir)) throw new CliError('RR_ERR_OUTDIR', `--outdir=${str(values.outdir)} is the project itself: pass a folder inside it, such as build.`)
    const fromConfig = workerEntry(config, paths.configDir)
    // After a production optimize the config runs build/worker.js; compile the original entry again.
    const entry = resolve(ctx.cwd, str(values.worker) ?? (previous && fromConfig === previous.outfile ? previous.entry : undefined) ?? fromConfig ?? 'worker.ts')
    if (!existsSync(entry)) throw new CliError('RR_ERR_NO_WORKER', `Worker entry not found: ${entry}\nPass --worker=<path> or create worker.ts.`)
    if (inside(entry, outdir)) {
      throw new CliError('RR_ERR_NO_WORKER', `${entry} is already compiled output: pass the TypeScript entry with --worker=worker.ts.`)
    }
    ctx.stdout.write(`==> Compiling ${relative(ctx.cwd, entry)} and the app modules it imports → ${relative(ctx.cwd, outdir)}/\n`)
    const { outfile, modules, outputs, pionia } = await compileApp(ctx.cwd, entry, outdir, new Set(previous?.outputs ?? []), { bundlePionia: !values['no-bundle'] })
    ctx.stdout.write(`  ${modules} module${modules === 1 ? '' : 's'}; entry ${relative(ctx.cwd, outfile)} (${(statSync(outfile).size / 1024).toFixed(1)} KB)\n`)
    if (pionia) ctx.stdout.write(`  pionia: ${pionia.modules} modules bundled into ${pionia.files} files in ${relative(ctx.cwd, pionia.dir)}/ (--no-bundle keeps it a package import)\n`)
    // Files of the previous build that this one did not write again stay listed, so clear removes them too.
    const written = [...new Set([...outputs, ...(previous?.outputs ?? []).filter((f) => existsSync(f))])]
    const state = { ...(previous ?? {}), entry, outfile, outdir, outputs: written, builtAt: new Date().toISOString() }
    if (!values.production) {
      writeState(ctx.cwd, state)
      ctx.stdout.write('Compiled. rr still runs the TypeScript entry; pass --production to switch it to the compiled one.\n')
      return 0
    }
    if (!existsSync(paths.config)) throw new CliError('RR_ERR_NO_CONFIG', `RoadRunner config not found: ${paths.config}\nCreate one with npx pionia rr:setup, or pass --config=<path>.`)
    const command = ['node', relative(paths.configDir, outfile)]
    const again = previous?.config === paths.config && previous.previousCommandText !== undefined
    const replaced = setServerCommand(paths.config, flowList(command), PRODUCTION_COMMENT)
    writeState(ctx.cwd, {
      ...state,
      config: paths.config,
      // Keep the original development command and comment across repeated optimizes.
      previousCommandText: again ? previous.previousCommandText : replaced.commandText,
      previousComment: again ? previous.previousComment : replaced.comment,
    })
    ctx.stdout.write(paint('green', `rr now runs: ${command.join(' ')}`) + ` (server.command in ${relative(ctx.cwd, paths.config)})\n`)
    ctx.stdout.write('Restart rr to use it (npx pionia stopserver, then runserver). Back to the TypeScript loader: npx pionia optimize:clear\n')
    return 0
  },
})
