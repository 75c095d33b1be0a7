/**
 * Compiles an app for production the way `tsc` lays it out (each module to `dist/<same path>.js`),
 * so code that finds files next to itself through import.meta.url sees the same relative layout as
 * a tsc build. Two esbuild passes: one walks the import graph from the worker entry, one transpiles
 * every app module with its relative imports rewritten to the compiled `.js` paths (users write
 * `./x`, `./x.ts` or `./x.js` under tsx; Node needs the real file). Packages stay imports, except
 * pionia itself: the entry points of it the app imports (`pionia`, `pionia/moonlight`, …) are
 * bundled into `<outdir>/.pionia/` (see bundlePionia), so a worker loads a handful of files instead
 * of a hundred ES modules at each start.
 * @module
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { isBuiltin } from 'node:module'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import type { Plugin } from 'esbuild'
import { CliError } from './command.js'

const CODE = /\.(?:[cm]?[jt]sx?)$/

export interface CompileResult {
  /** The compiled entry (absolute). */
  outfile: string
  /** How many app modules were compiled. */
  modules: number
  /** Every file written (modules and source maps), for optimize:clear. */
  outputs: string[]
  /** pionia's bundle, when the app imports pionia as a package (undefined with bundle: false or no such import). */
  pionia?: { dir: string; modules: number; files: number }
}

/** A pionia import (`pionia`, `pionia/moonlight`), as the app writes it. */
const PIONIA = /^pionia(?:\/|$)/

/** The file name in .pionia/ of an entry point: `pionia` → index.js, `pionia/moonlight/realtime` → moonlight-realtime.js. */
const entryName = (spec: string): string => (spec === 'pionia' ? 'index' : spec.slice('pionia/'.length).replace(/\//g, '-'))

/** `to` as a relative import specifier from directory `from`. */
function specifier(from: string, to: string): string {
  const spec = relative(from, to).split(sep).join('/')
  return spec.startsWith('../') ? spec : `./${spec}`
}

/** Where a source module lands under outdir. */
function outputFor(root: string, outdir: string, file: string): string {
  return join(outdir, relative(root, file)).replace(CODE, '.js')
}

function describe(err: unknown): string {
  const errors = (err as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors ?? []
  return errors.map((e) => `  ${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`).join('\n') || `  ${(err as Error).message}`
}

/**
 * Compiles `entry` and every app module it imports into `outdir`, mirroring paths under `root`.
 * Nothing is written until every output is known: a file already there that `ours` does not list
 * (what the previous optimize wrote) is never overwritten.
 */
export async function compileApp(
  root: string,
  entry: string,
  outdir: string,
  ours: ReadonlySet<string> = new Set(),
  options: { bundlePionia?: boolean } = {},
): Promise<CompileResult> {
  const { build } = await import('esbuild')
  const common = { absWorkingDir: root, platform: 'node', format: 'esm', target: 'node20', logLevel: 'silent', preserveSymlinks: true, packages: 'external' } as const
  let inputs: string[]
  // pionia's entry points the app imports, and the file each one resolves to.
  const pioniaEntries = new Map<string, string>()
  const findPionia: Plugin = {
    name: 'pionia-find-pionia',
    setup(b) {
      b.onResolve({ filter: PIONIA }, async (args) => {
        if (args.pluginData === 'inner') return undefined
        const r = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: 'inner' })
        if (!r.errors.length && r.path) pioniaEntries.set(args.path, r.path)
        return { path: args.path, external: true }
      })
    },
  }
  try {
    const graph = await build({ ...common, entryPoints: [entry], bundle: true, write: false, metafile: true, plugins: options.bundlePionia === false ? [] : [findPionia] })
    inputs = Object.keys(graph.metafile.inputs).map((p) => (isAbsolute(p) ? p : resolve(root, p)))
  } catch (err) {
    throw new CliError('RR_ERR_COMPILE', `Compiling ${relative(root, entry)} failed:\n${describe(err)}`)
  }
  const modules = inputs.filter((p) => CODE.test(p) && !p.includes(`${sep}node_modules${sep}`))
  const outside = modules.filter((p) => relative(root, p).startsWith('..'))
  if (outside.length) {
    throw new CliError('RR_ERR_COMPILE', `These modules are outside the project root ${root}:\n${outside.map((p) => `  ${p}`).join('\n')}\nMove them into the project, or import them as a package.`)
  }
  const vendorDir = join(outdir, '.pionia')
  let pionia: { files: { path: string; contents: Uint8Array }[]; modules: number } | undefined
  if (pioniaEntries.size) {
    try {
      pionia = await bundlePionia(pioniaEntries, vendorDir)
    } catch (err) {
      throw new CliError('RR_ERR_COMPILE', `Bundling pionia for ${relative(root, entry)} failed:\n${describe(err)}\nPass --no-bundle to keep pionia as a package import.`)
    }
  }
  const relativeImports: Plugin = {
    name: 'pionia-relative-imports',
    setup(b) {
      if (pionia) {
        b.onResolve({ filter: PIONIA }, (args) => {
          if (!pioniaEntries.has(args.path)) return undefined
          return { path: specifier(dirname(outputFor(root, outdir, args.importer)), join(vendorDir, `${entryName(args.path)}.js`)), external: true }
        })
      }
      b.onResolve({ filter: /^\.\.?(?:\/|$)/ }, async (args) => {
        if (args.kind === 'entry-point' || args.pluginData === 'inner') return undefined
        const r = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: 'inner' })
        if (r.errors.length) return { errors: r.errors }
        if (!CODE.test(r.path) || r.path.includes(`${sep}node_modules${sep}`)) return { path: args.path, external: true }
        const from = dirname(outputFor(root, outdir, args.importer))
        let spec = relative(from, outputFor(root, outdir, r.path)).split(sep).join('/')
        if (!spec.startsWith('.')) spec = `./${spec}`
        return { path: spec, external: true }
      })
    },
  }
  let files: { path: string; contents: Uint8Array }[]
  try {
    files = (await build({ ...common, entryPoints: modules, outdir, outbase: root, bundle: true, sourcemap: true, write: false, plugins: [relativeImports], outExtension: { '.js': '.js' } })).outputFiles
  } catch (err) {
    throw new CliError('RR_ERR_COMPILE', `Compiling ${relative(root, entry)} failed:\n${describe(err)}`)
  }
  if (pionia) files.push(...pionia.files)
  const assets = listAssets(root, outdir, modules)
  const outputs = [...files.map((f) => f.path), ...assets.map((a) => a.to)]
  const foreign = outputs.filter((p) => existsSync(p) && !ours.has(p))
  if (foreign.length) {
    throw new CliError(
      'RR_ERR_COMPILE',
      `${relative(root, outdir) || '.'}/ already holds files optimize did not write; it would overwrite:\n${foreign.slice(0, 5).map((p) => `  ${relative(root, p)}`).join('\n')}${foreign.length > 5 ? `\n  … and ${foreign.length - 5} more` : ''}\nPass another --outdir=<dir>, or move those files away.`,
    )
  }
  for (const f of files) {
    mkdirSync(dirname(f.path), { recursive: true })
    writeFileSync(f.path, f.contents)
  }
  for (const a of assets) {
    mkdirSync(dirname(a.to), { recursive: true })
    copyFileSync(a.from, a.to)
  }
  return {
    outfile: outputFor(root, outdir, entry),
    modules: modules.length,
    outputs,
    ...(pionia ? { pionia: { dir: vendorDir, modules: pionia.modules, files: pionia.files.filter((f) => f.path.endsWith('.js')).length } } : {}),
  }
}

/**
 * pionia's entry points (`pionia` → dist/src/index.js, …) bundled into `dir` with esbuild: every
 * module of pionia in a few files (one per entry point, shared chunks, and one chunk per dynamic
 * import, so what pionia loads on first use still loads on first use). All outputs sit directly in
 * `dir`, which lets the two things that depend on a module's own location keep working:
 * - the packages pionia imports stay imports, rewritten to relative paths of the files Node
 *   resolves from pionia's own folder (pionia's dependencies need not be hoisted next to the app);
 * - `import.meta.url` in a pionia module becomes that module's original URL, relative to the
 *   bundle (`createRequire(import.meta.url)`, files found beside the module).
 * Both paths are relative, so the project folder (node_modules and the output together) can move.
 */
async function bundlePionia(entries: ReadonlyMap<string, string>, dir: string): Promise<{ files: { path: string; contents: Uint8Array }[]; modules: number }> {
  const { build } = await import('esbuild')
  const fromDir = (file: string) => specifier(dir, file)
  const packages: Plugin = {
    name: 'pionia-own-packages',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === 'inner' || args.kind === 'entry-point' || isBuiltin(args.path)) return undefined
        const r = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: 'inner' })
        // Not installed (an optional package pionia imports on first use): the import stays as written.
        if (r.errors.length || !r.path || r.external) return { path: args.path, external: true }
        return { path: fromDir(r.path), external: true }
      })
      b.onLoad({ filter: /\.[cm]?js$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8')
        if (!text.includes('import.meta.url')) return undefined
        const url = `new URL(${JSON.stringify(fromDir(args.path))}, import.meta.url).href`
        return { contents: text.replaceAll('import.meta.url', url), loader: 'js', resolveDir: dirname(args.path) }
      })
    },
  }
  const result = await build({
    entryPoints: Object.fromEntries([...entries].map(([spec, file]) => [entryName(spec), file])),
    outdir: dir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // resolve packages the way Node does: no "module" condition or main field
    conditions: [],
    mainFields: ['main'],
    sourcemap: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [packages],
  })
  return { files: result.outputFiles, modules: Object.keys(result.metafile.inputs).length }
}

/**
 * Lists the non-code files that live beside the app's modules (static pages, SQL schemas, JSON
 * data) to copy into the same place under outdir, so code that finds them through import.meta.url still
 * finds them after optimize. Only folders below the root that hold a compiled module are copied
 * (recursively, minus node_modules and the output folder); files at the root itself are not.
 */
function listAssets(root: string, outdir: string, modules: string[]): { from: string; to: string }[] {
  const dirs = new Set<string>()
  for (const m of modules) {
    const top = relative(root, m).split(sep)[0]
    if (top && top !== relative(root, m)) dirs.add(join(root, top))
  }
  const copied: { from: string; to: string }[] = []
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name)
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && resolve(p) !== resolve(outdir)) walk(p)
      } else if (e.isFile() && !CODE.test(e.name) && !e.name.endsWith('.map')) {
        copied.push({ from: p, to: join(outdir, relative(root, p)) })
      }
    }
  }
  for (const d of dirs) if (resolve(d) !== resolve(outdir)) walk(d)
  return copied
}
