/**
 * Version constraints for `rr:setup --version`: an exact version (`2025.1.15`, `v2025.1.15`),
 * wildcards (`2025.*`, `2025.1.x`, `*`, `latest`), caret/tilde (`^2025.1`, `~2025.1.3`), comparisons
 * (`>=2025.1.10 <2025.2`) and alternatives (`2024.3.* || 2025.1.*`), as Composer and npm read them.
 * @module
 */

export interface Version {
  parts: [number, number, number]
  prerelease: string
}

/** Parses `v2025.1.15` / `2025.1.15-rc.1`; undefined if it is not a version. */
export function parseVersion(text: string): Version | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?$/.exec(text.trim())
  if (!m) return undefined
  return { parts: [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)], prerelease: m[4] ?? '' }
}

/** Compares two versions (a prerelease sorts before its release). */
export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a.parts[i] !== b.parts[i]) return a.parts[i]! - b.parts[i]!
  if (a.prerelease === b.prerelease) return 0
  if (!a.prerelease) return 1
  if (!b.prerelease) return -1
  return a.prerelease < b.prerelease ? -1 : 1
}

type Test = (v: Version) => boolean

function comparator(token: string): Test {
  const t = token.trim()
  if (t === '*' || t === 'x' || t === 'latest') return () => true
  const wild = /^v?(\d+)(?:\.(\d+|[*x]))?(?:\.(\d+|[*x]))?$/.exec(t)
  if (wild && (t.includes('*') || /\.x\b/.test(t) || wild[2] === undefined || wild[3] === undefined) && !/^[\^~<>=]/.test(t)) {
    const fixed = [wild[1], wild[2], wild[3]].filter((p) => p !== undefined && p !== '*' && p !== 'x').map(Number)
    return (v) => fixed.every((n, i) => v.parts[i] === n)
  }
  const m = /^(\^|~|>=|<=|>|<|=)?\s*(.+)$/.exec(t)
  const op = m?.[1] ?? '='
  const base = m ? parseVersion(m[2]!) : undefined
  if (!base) throw new Error(`"${token}" is not a version constraint: use e.g. 2025.1.15, ^2025.1, 2025.* or ">=2025.1.10"`)
  const given = m![2]!.replace(/^v/, '').split('-')[0]!.split('.').length
  const cmp = (v: Version): number => compareVersions(v, base)
  switch (op) {
    case '^': {
      const upper: Version = { parts: [base.parts[0] + 1, 0, 0], prerelease: '' }
      return (v) => cmp(v) >= 0 && compareVersions(v, upper) < 0
    }
    case '~': {
      const upper: Version = given <= 1 ? { parts: [base.parts[0] + 1, 0, 0], prerelease: '' } : { parts: [base.parts[0], base.parts[1] + 1, 0], prerelease: '' }
      return (v) => cmp(v) >= 0 && compareVersions(v, upper) < 0
    }
    case '>=':
      return (v) => cmp(v) >= 0
    case '<=':
      return (v) => cmp(v) <= 0
    case '>':
      return (v) => cmp(v) > 0
    case '<':
      return (v) => cmp(v) < 0
    default:
      return (v) => cmp(v) === 0
  }
}

/** Builds a matcher for `constraint`; throws a clear Error when it cannot be read. */
export function versionMatcher(constraint: string): (v: Version) => boolean {
  const alternatives = constraint.split('||').map((alt) =>
    alt
      .trim()
      .replace(/(>=|<=|>|<|=)\s+/g, '$1')
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(comparator),
  )
  return (v) => alternatives.some((all) => all.every((test) => test(v)))
}

/** True when the constraint names one exact version (so a prerelease may be chosen). */
export function isExact(constraint: string): boolean {
  const t = constraint.trim().replace(/^=/, '')
  return /^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(t)
}
