/**
 * Project settings: `environment/settings.ini` (sections of KEY = value) and `environment/.env`.
 * Reads are cached and refreshed only when the file's mtime or size changes, so a worker can ask
 * on every request (e.g. for `[maintenance]`) at the cost of one stat.
 * @module
 */
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import type * as iniPackage from 'ini'

/**
 * The ini package, required (not imported) when the first settings file is parsed: a worker with
 * no settings.ini never loads it, and a CommonJS package imported from ESM costs Node a scan of
 * its exports on top.
 */
let iniModule: typeof iniPackage | undefined
const ini = (): typeof iniPackage => (iniModule ??= createRequire(import.meta.url)('ini') as typeof iniPackage)

/** Parsed sections: section name → key → value (all strings, keys as written). */
export type Sections = Record<string, Record<string, string>>

interface CacheEntry<T> {
  mtimeMs: number
  size: number
  /** A file replaced by rename is a new inode, though it may have the old size and mtime (mtimes tick in ms steps). */
  ino: number
  value: T
}

const iniCache = new Map<string, CacheEntry<Sections>>()
const envCache = new Map<string, CacheEntry<Record<string, string>>>()

function cached<T>(cache: Map<string, CacheEntry<T>>, path: string, parse: (text: string) => T, empty: T): T {
  // throwIfNoEntry: a missing file (no .env is the common case) costs a stat, not an exception.
  const st = statSync(path, { throwIfNoEntry: false })
  if (!st) {
    cache.delete(path)
    return empty
  }
  const hit = cache.get(path)
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size && hit.ino === st.ino) return hit.value
  const value = parse(readFileSync(path, 'utf8'))
  cache.set(path, { mtimeMs: st.mtimeMs, size: st.size, ino: st.ino, value })
  return value
}

function toSections(text: string): Sections {
  const raw = ini().parse(text) as Record<string, unknown>
  const out: Sections = {}
  for (const [name, body] of Object.entries(raw)) {
    if (body && typeof body === 'object') {
      const s: Record<string, string> = {}
      for (const [k, v] of Object.entries(body as Record<string, unknown>)) s[k] = String(v)
      out[name] = s
    }
  }
  return out
}

/** Parses .env text: `KEY=value`, `export KEY=value`, quotes stripped, `#` comments. */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim()
    if (!line || line.startsWith('#')) continue
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/.exec(line)
    if (!m) continue
    let v = m[2]!
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1)
    else v = v.replace(/\s+#.*$/, '')
    out[m[1]!] = v
  }
  return out
}

/** Settings of one project root. */
export class Settings {
  readonly root: string
  readonly iniPath: string
  readonly envPath: string

  constructor(root: string) {
    this.root = root
    this.iniPath = join(root, 'environment', 'settings.ini')
    this.envPath = join(root, 'environment', '.env')
  }

  /** All sections of settings.ini (fresh if the file changed). */
  sections(): Sections {
    return cached(iniCache, this.iniPath, toSections, {})
  }

  /** One section; lookup of the section name is case-insensitive. */
  section(name: string): Record<string, string> | undefined {
    const all = this.sections()
    if (all[name]) return all[name]
    const lower = name.toLowerCase()
    for (const [k, v] of Object.entries(all)) if (k.toLowerCase() === lower) return v
    return undefined
  }

  /** A key of a section, matched case-insensitively. */
  get(section: string, key: string): string | undefined {
    const s = this.section(section)
    if (!s) return undefined
    if (key in s) return s[key]
    const lower = key.toLowerCase()
    for (const [k, v] of Object.entries(s)) if (k.toLowerCase() === lower) return v
    return undefined
  }

  /** environment/.env as a map (fresh if the file changed). */
  dotenv(): Record<string, string> {
    return cached(envCache, this.envPath, parseDotenv, {})
  }

  /** A variable from the process environment, else from environment/.env. */
  env(name: string): string | undefined {
    const v = process.env[name]
    return v !== undefined && v !== '' ? v : this.dotenv()[name]
  }
}

/** True for `true`, `1`, `yes`, `on` (any case). */
export function isTruthy(v: string | undefined): boolean {
  return v !== undefined && /^(true|1|yes|on)$/i.test(v.trim())
}
