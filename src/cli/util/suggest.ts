/**
 * "Did you mean …?" for mistyped command names.
 * @module
 */

/** Levenshtein distance (small strings only). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = cur
    }
  }
  return row[b.length]!
}

/** The closest candidate, or undefined when nothing is reasonably close. */
export function nearest(input: string, candidates: string[]): string | undefined {
  const needle = input.toLowerCase()
  let best: string | undefined
  let bestScore = Infinity
  for (const c of candidates) {
    const d = c.startsWith(needle) || needle.startsWith(c) ? Math.abs(c.length - needle.length) * 0.5 : distance(needle, c)
    if (d < bestScore) [best, bestScore] = [c, d]
  }
  return bestScore <= Math.max(2, Math.floor(needle.length / 3)) ? best : undefined
}
