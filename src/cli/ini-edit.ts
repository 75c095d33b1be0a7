/**
 * Safe in-place edits of environment/settings.ini: one section's keys are set (or removed), every
 * other line (sections, comments, blank lines, key order) stays as written. Writers take a lock file
 * (O_EXCL; a lock older than 30 s is treated as abandoned) and replace the file by an atomic rename,
 * so a worker re-reading settings on each request never sees half a file.
 * @module
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { CliError } from './command.js'
import { sleep } from './rr/pids.js'

const STALE_LOCK_MS = 30_000

/** Quotes a value when ini parsers would otherwise cut it (comments, quotes, edge spaces). */
export function iniValue(value: string): string {
  return /[;#"'=\\]|^\s|\s$/.test(value) || value === '' ? JSON.stringify(value) : value
}

/** Returns `text` with `[section]` keys set to the given values (null removes a key). Pure. */
export function setIniKeys(text: string, section: string, updates: Record<string, string | null>): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n'
  const lines = text === '' ? [] : text.split(/\r?\n/)
  if (lines.length && lines[lines.length - 1] === '') lines.pop()
  const header = (l: string): string | undefined => /^\s*\[([^\]]+)\]\s*(?:[;#].*)?$/.exec(l)?.[1]?.trim()
  const start = lines.findIndex((l) => header(l)?.toLowerCase() === section.toLowerCase())
  const pending = new Map(Object.entries(updates).map(([k, v]) => [k.toLowerCase(), { key: k, value: v }]))
  if (start < 0) {
    const add = [...pending.values()].filter((u) => u.value !== null).map((u) => `${u.key} = ${iniValue(u.value!)}`)
    if (!add.length) return text
    if (lines.length && lines[lines.length - 1]!.trim() !== '') lines.push('')
    lines.push(`[${section}]`, ...add)
    return lines.join(eol) + eol
  }
  let end = lines.findIndex((l, i) => i > start && header(l) !== undefined)
  if (end < 0) end = lines.length
  const body: string[] = []
  for (const line of lines.slice(start + 1, end)) {
    const m = /^(\s*)([^=;#\s][^=]*?)\s*=/.exec(line)
    const u = m ? pending.get(m[2]!.toLowerCase()) : undefined
    if (!u) {
      body.push(line)
      continue
    }
    pending.delete(m![2]!.toLowerCase())
    if (u.value !== null) body.push(`${m![1]}${m![2]} = ${iniValue(u.value)}`)
  }
  // New keys go after the section's last key, before its trailing blank lines and comments.
  let insertAt = body.length
  while (insertAt > 0 && (body[insertAt - 1]!.trim() === '' || /^\s*[;#]/.test(body[insertAt - 1]!))) insertAt--
  const add = [...pending.values()].filter((u) => u.value !== null).map((u) => `${u.key} = ${iniValue(u.value!)}`)
  body.splice(insertAt, 0, ...add)
  return [...lines.slice(0, start + 1), ...body, ...lines.slice(end)].join(eol) + eol
}

async function lock(path: string): Promise<() => void> {
  const lockPath = `${path}.lock`
  const deadline = Date.now() + 10_000
  for (;;) {
    try {
      closeSync(openSync(lockPath, 'wx'))
      return () => rmSync(lockPath, { force: true })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      try {
        if (Date.now() - statSync(lockPath).mtimeMs > STALE_LOCK_MS) rmSync(lockPath, { force: true })
      } catch {
        // released meanwhile
      }
      if (Date.now() > deadline) {
        throw new CliError('RR_ERR_LOCKED', `${path} is locked by another writer (${lockPath}). Try again, or delete the lock file if no pionia command is running.`)
      }
      await sleep(50)
    }
  }
}

/** Applies `setIniKeys` to the file under a lock with an atomic replace; creates the file if missing. */
export async function updateIniFile(path: string, section: string, updates: Record<string, string | null>): Promise<void> {
  mkdirSync(dirname(path), { recursive: true })
  const release = await lock(path)
  try {
    const before = existsSync(path) ? readFileSync(path, 'utf8') : ''
    const mode = existsSync(path) ? statSync(path).mode & 0o777 : 0o644
    const tmp = `${path}.${process.pid}.tmp`
    writeFileSync(tmp, setIniKeys(before, section, updates), { mode })
    renameSync(tmp, path)
  } finally {
    release()
  }
}
