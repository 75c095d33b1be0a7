/**
 * Diff of two V8 heap snapshots (.heapsnapshot, as v8.writeHeapSnapshot writes them) by constructor,
 * grouped the way DevTools' Summary view does: objects by constructor name, the rest by kind
 * ("(string)", "(closure)", "(array)", "(compiled code)", "(system)"). Used by scripts/soak.ts; also
 *   node --import tsx scripts/heap-diff.ts a.heapsnapshot b.heapsnapshot
 */
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

export interface Group {
  count: number
  size: number
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } }
  nodes: number[]
  strings: string[]
}

const KIND: Record<string, string> = {
  string: '(string)',
  'concatenated string': '(string)',
  'sliced string': '(string)',
  closure: '(closure)',
  array: '(array)',
  code: '(compiled code)',
  hidden: '(system)',
  number: '(number)',
  bigint: '(bigint)',
  symbol: '(symbol)',
  regexp: 'RegExp',
}

/** Object count and self size per constructor (or kind) in one snapshot file. */
export function groupsOf(file: string): Map<string, Group> {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot
  const fields = s.snapshot.meta.node_fields
  const types = s.snapshot.meta.node_types[0]
  const width = fields.length
  const [iType, iName, iSize] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size')]
  const groups = new Map<string, Group>()
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + iType]!]!
    if (type === 'synthetic') continue
    const key = type === 'object' || type === 'native' ? s.strings[s.nodes[i + iName]!]! : (KIND[type] ?? `(${type})`)
    const g = groups.get(key) ?? { count: 0, size: 0 }
    g.count++
    g.size += s.nodes[i + iSize]!
    groups.set(key, g)
  }
  return groups
}

export interface Growth {
  name: string
  count: number
  size: number
  countDelta: number
  sizeDelta: number
}

/** Constructors that grew most in self size from `a` to `b` (then by count), top `limit`. */
export function heapDiff(a: string, b: string, limit = 15): { rows: Growth[]; totalA: number; totalB: number } {
  const ga = groupsOf(a)
  const gb = groupsOf(b)
  const rows: Growth[] = []
  for (const [name, g] of gb) {
    const before = ga.get(name) ?? { count: 0, size: 0 }
    rows.push({ name, count: g.count, size: g.size, countDelta: g.count - before.count, sizeDelta: g.size - before.size })
  }
  rows.sort((x, y) => y.sizeDelta - x.sizeDelta || y.countDelta - x.countDelta)
  const total = (g: Map<string, Group>) => [...g.values()].reduce((t, x) => t + x.size, 0)
  return { rows: rows.slice(0, limit), totalA: total(ga), totalB: total(gb) }
}

/** The diff as a Markdown table. */
export function heapDiffTable(a: string, b: string, limit = 15): string {
  const { rows, totalA, totalB } = heapDiff(a, b, limit)
  const kb = (n: number) => `${n >= 0 ? '+' : ''}${(n / 1024).toFixed(1)} KB`
  return [
    `live heap in the snapshots: ${(totalA / 2 ** 20).toFixed(2)} MB -> ${(totalB / 2 ** 20).toFixed(2)} MB (${kb(totalB - totalA)})`,
    '',
    '| constructor | objects (delta) | self size (delta) |',
    '|---|---|---|',
    ...rows.map((r) => `| ${r.name.replace(/\|/g, '\\|').slice(0, 60)} | ${r.count} (${r.countDelta >= 0 ? '+' : ''}${r.countDelta}) | ${(r.size / 1024).toFixed(1)} KB (${kb(r.sizeDelta)}) |`),
  ].join('\n')
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [a, b] = process.argv.slice(2)
  if (!a || !b) {
    process.stderr.write('usage: node --import tsx scripts/heap-diff.ts <before.heapsnapshot> <after.heapsnapshot>\n')
    process.exit(2)
  }
  process.stdout.write(heapDiffTable(a, b) + '\n')
}
