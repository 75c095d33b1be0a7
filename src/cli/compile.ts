/**
 * Compiles an app for production the way `tsc` lays it out (each module to `dist/<same path>.js`),
 * so code that finds files next to itself through import.meta.url sees the same relative layout as
 * a tsc build. Two esbuild passes: one walks the import graph from the worker entry, one transpiles
 * every app module with its relative imports rewritten to the compiled `.js` paths (users write
 * `./x`, `./x.ts` or `./x.js` under tsx; Node needs the real file). Packages stay imports.
 * @module
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
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
export async function compileApp(root: string, entry: string, outdir: string, ours: ReadonlySet<string> = new Set()): Promise<CompileResult> {
  const { build } = await import('esbuild')
  const common = { absWorkingDir: root, platform: 'node', format: 'esm', target: 'node20', logLevel: 'silent', preserveSymlinks: true, packages: 'external' } as const
  let inputs: string[]
  try {
    const graph = await build({ ...common, entryPoints: [entry], bundle: true, write: false, metafile: true })
    inputs = Object.keys(graph.metafile.inputs).map((p) => (isAbsolute(p) ? p : resolve(root, p)))
  } catch (err) {
    throw new CliError('RR_ERR_COMPILE', `Compiling ${relative(root, entry)} failed:\n${describe(err)}`)
  }
  const modules = inputs.filter((p) => CODE.test(p) && !p.includes(`${sep}node_modules${sep}`))
  const outside = modules.filter((p) => relative(root, p).startsWith('..'))
  if (outside.length) {
    throw new CliError('RR_ERR_COMPILE', `These modules are outside the project root ${root}:\n${outside.map((p) => `  ${p}`).join('\n')}\nMove them into the project, or import them as a package.`)
  }
  const relativeImports: Plugin = {
    name: 'pionia-relative-imports',
    setup(b) {
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
  return { outfile: outputFor(root, outdir, entry), modules: modules.length, outputs }
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
