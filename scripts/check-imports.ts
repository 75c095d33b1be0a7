/**
 * The import-boundary check `npm test` runs first: every relative import under src/ must point down
 * the layer order, and no files may import each other in a circle (type-only imports count: a
 * circle of types is still a circle for a reader).
 *
 *   base (util, config, generated, client) ← goridge ← relay ← {worker, rpc} ← {http, jobs, centrifugo, grpc, tcp}
 *   ← moonlight ← serve.ts ← index.ts, cli
 *
 * Inside src/moonlight the stages have their own order:
 *   db ← core ← {settings, auth, validation} ← dispatch ← http ← app.ts (the façade) ← {jobs, realtime, cache} ← index.ts
 *
 * Folders of one rank may not import each other either (two siblings that need each other are one
 * thing, or need a lower third). Run: node --import tsx scripts/check-imports.ts (about 0.1 s of work;
 * no dependency: the files are read with a small import scanner, comments stripped first).
 * @module
 */
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const src = join(root, 'src')

/** Top-level layers of src/ (a folder, or a root file without its extension). */
const LAYERS: Record<string, number> = {
  util: 0, config: 0, generated: 0,
  // pionia/client imports nothing outside itself (the app is seen through its type only).
  client: 0,
  goridge: 1,
  relay: 2,
  worker: 3, rpc: 3,
  http: 4, jobs: 4, centrifugo: 4, grpc: 4, tcp: 4,
  moonlight: 5,
  serve: 6,
  index: 7, cli: 7,
}

/** Stages inside src/moonlight. */
const MOONLIGHT: Record<string, number> = {
  db: 0,
  core: 1,
  settings: 2, auth: 2, validation: 2,
  dispatch: 3,
  http: 4,
  app: 5,
  jobs: 6, realtime: 6, cache: 6,
  index: 7,
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? walk(p) : /\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts') ? [p] : []
  })
}

/** Relative specifiers of a file's imports, re-exports and literal dynamic imports. */
function importsOf(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
  const out: string[] = []
  const patterns = [
    /(?:^|[\s;}])(?:import|export)\s[^'"`;]*?\sfrom\s*['"]([^'"]+)['"]/g,
    /(?:^|[\s;])import\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ]
  for (const re of patterns) for (const m of code.matchAll(re)) if (m[1]!.startsWith('.')) out.push(m[1]!)
  return out
}

/** The .ts file a relative specifier names (`./x.js` → `./x.ts`), or undefined outside src/. */
function target(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec)
  for (const c of [base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), base, join(base, 'index.ts')]) {
    if (c.startsWith(src + sep) && existsSync(c) && statSync(c).isFile()) return c
  }
  return undefined
}

/** `[layer, rank]` of a file: its top folder under src/ (or root file), and for moonlight its stage. */
function place(file: string): { layer: string; rank: number; stage?: string; stageRank?: number } {
  const parts = relative(src, file).split(sep)
  const layer = parts.length === 1 ? parts[0]!.replace(/\.m?ts$/, '') : parts[0]!
  const rank = LAYERS[layer]
  if (rank === undefined) throw new Error(`src/${parts.join('/')}: src/${layer} has no place in the layer order: add it to LAYERS in scripts/check-imports.ts`)
  if (layer !== 'moonlight') return { layer, rank }
  const stage = parts.length === 2 ? parts[1]!.replace(/\.m?ts$/, '') : parts[1]!
  const stageRank = MOONLIGHT[stage]
  if (stageRank === undefined) throw new Error(`src/${parts.join('/')}: src/moonlight/${stage} has no place in the stage order: add it to MOONLIGHT in scripts/check-imports.ts`)
  return { layer, rank, stage, stageRank }
}

const files = walk(src)
const edges = new Map<string, string[]>()
const problems: string[] = []
const rel = (f: string): string => relative(root, f).split(sep).join('/')

for (const file of files) {
  const from = place(file)
  const to: string[] = []
  for (const spec of importsOf(readFileSync(file, 'utf8'))) {
    const t = target(file, spec)
    if (!t) continue
    to.push(t)
    const dest = place(t)
    if (dest.layer !== from.layer) {
      if (dest.rank >= from.rank) {
        problems.push(`${rel(file)} imports ${rel(t)}: src/${from.layer} may import only layers below it, and src/${dest.layer} is ${dest.rank === from.rank ? 'beside' : 'above'} it`)
      }
    } else if (from.stage !== undefined && dest.stage !== from.stage && dest.stageRank! >= from.stageRank!) {
      problems.push(`${rel(file)} imports ${rel(t)}: moonlight/${from.stage} may import only stages below it, and moonlight/${dest.stage} is ${dest.stageRank === from.stageRank ? 'beside' : 'above'} it`)
    }
  }
  edges.set(file, to)
}

// Circles: strongly connected components of the file graph (Tarjan), any size above one, or a self-import.
let index = 0
const idx = new Map<string, number>()
const low = new Map<string, number>()
const stack: string[] = []
const onStack = new Set<string>()
function connect(v: string): void {
  idx.set(v, index)
  low.set(v, index++)
  stack.push(v)
  onStack.add(v)
  for (const w of edges.get(v) ?? []) {
    if (!idx.has(w)) {
      connect(w)
      low.set(v, Math.min(low.get(v)!, low.get(w)!))
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!))
  }
  if (low.get(v) === idx.get(v)) {
    const ring: string[] = []
    let w: string
    do {
      w = stack.pop()!
      onStack.delete(w)
      ring.push(w)
    } while (w !== v)
    if (ring.length > 1 || (edges.get(v) ?? []).includes(v)) {
      problems.push(`import circle: ${ring.reverse().map(rel).join(' → ')} (move what they share into a file both can import, below them)`)
    }
  }
}
for (const f of files) if (!idx.has(f)) connect(f)

if (problems.length) {
  process.stderr.write(`check-imports: ${problems.length} problem(s) in src/:\n${problems.map((p) => `  ${p}`).join('\n')}\n`)
  process.exit(1)
}
process.stdout.write(`check-imports: ${files.length} files, ${[...edges.values()].reduce((n, e) => n + e.length, 0)} imports, all downward, no circles\n`)
