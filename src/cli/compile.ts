/**
 * Compiles an app for production the way `tsc` lays it out (each module to `dist/<same path>.js`),
 * so code that finds files next to itself through import.meta.url sees the same relative layout as
 * a tsc build. Two esbuild passes: one walks the import graph from the worker entry, one transpiles
 * every app module with its relative imports rewritten to the compiled `.js` paths (users write
 * `./x`, `./x.ts` or `./x.js` under tsx; Node needs the real file). Packages stay imports.
 * @module
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs'
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

/** Compiles `entry` and every app module it imports into `outdir`, mirroring paths under `root`. */
export async function compileApp(root: string, entry: string, outdir: string): Promise<CompileResult> {
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
  try {
    await build({ ...common, entryPoints: modules, outdir, outbase: root, bundle: true, sourcemap: true, plugins: [relativeImports], outExtension: { '.js': '.js' } })
  } catch (err) {
    throw new CliError('RR_ERR_COMPILE', `Compiling ${relative(root, entry)} failed:\n${describe(err)}`)
  }
  const outputs = modules.flatMap((m) => [outputFor(root, outdir, m), `${outputFor(root, outdir, m)}.map`])
  outputs.push(...copyAssets(root, outdir, modules))
  return { outfile: outputFor(root, outdir, entry), modules: modules.length, outputs }
}

/**
 * Copies the non-code files that live beside the app's modules (static pages, SQL schemas, JSON
 * data) into the same place under outdir, so code that finds them through import.meta.url still
 * finds them after optimize. Only folders below the root that hold a compiled module are copied
 * (recursively, minus node_modules and the output folder); files at the root itself are not.
 */
function copyAssets(root: string, outdir: string, modules: string[]): string[] {
  const dirs = new Set<string>()
  for (const m of modules) {
    const top = relative(root, m).split(sep)[0]
    if (top && top !== relative(root, m)) dirs.add(join(root, top))
  }
  const copied: string[] = []
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name)
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && resolve(p) !== resolve(outdir)) walk(p)
      } else if (e.isFile() && !CODE.test(e.name) && !e.name.endsWith('.map')) {
        const to = join(outdir, relative(root, p))
        mkdirSync(dirname(to), { recursive: true })
        copyFileSync(p, to)
        copied.push(to)
      }
    }
  }
  for (const d of dirs) if (resolve(d) !== resolve(outdir)) walk(d)
  return copied
}
