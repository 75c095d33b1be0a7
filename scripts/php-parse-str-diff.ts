/**
 * Side-by-side check of parseQuery (src/http/query.ts) against PHP's parse_str, run by hand:
 *   npx tsx scripts/php-parse-str-diff.ts [seed] [max-length]
 * Needs `php` on PATH (Debian: apt-get install php-cli). Prints the first mismatches and a count.
 */
import { execFileSync } from 'node:child_process'
import { parseQuery } from '../src/http/query.js'
const alphabet = ['[', ']', '[]', '[a]', '=v&', 'a[', '%00', 'a', 'b', '0', '1', '5', '-1', '01', '[', ']', '[]', '.', ' ', '%5B', '%5D', '+', '%', '%zz', '=', '&', '%C3%A9', 'é', '\t', 'x']
let seed = Number(process.argv[2] ?? 12345)
const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n)
const cases: string[] = []
for (let i = 0; i < 4000; i++) {
  let s = ''
  const len = 1 + rnd(Number(process.argv[3] ?? 30))
  for (let j = 0; j < len; j++) s += alphabet[rnd(alphabet.length)]
  cases.push(s)
}
const php = `<?php $in = json_decode(file_get_contents('php://stdin')); $out = []; foreach ($in as $c) { parse_str($c, $o); $out[] = json_encode($o, JSON_INVALID_UTF8_SUBSTITUTE); } echo json_encode($out);`
const res: string[] = JSON.parse(execFileSync('php', ['-r', php.slice(5)], { input: JSON.stringify(cases) }).toString())
let bad = 0
const norm = (v: unknown): unknown => Array.isArray(v) ? v.map(norm) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, norm(x)]).sort()) : v
for (const [i, c] of cases.entries()) {
  const mine = JSON.stringify(norm(parseQuery(c)))
  let theirs = JSON.parse(res[i]!)
  if (Array.isArray(theirs)) theirs = Object.fromEntries(theirs.map((v: unknown, k: number) => [String(k), v]))
  const t = JSON.stringify(norm(theirs))
  if (mine !== t) { if (bad++ < 15) console.log(JSON.stringify(c), '\n mine ', mine, '\n php  ', t) }
}
console.log('cases', cases.length, 'mismatches', bad)
process.exitCode = bad ? 1 : 0
