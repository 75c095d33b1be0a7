/**
 * The open-files limit rr will run with, and the warning runserver prints when it is low. Every
 * client connection costs rr one file descriptor, and rr's http plugin (v5.3.0) keeps an idle
 * keep-alive connection for up to an hour and a half-sent header for up to 5 minutes (fixed in
 * servers/http11/http.go; no config key). At the limit rr stops accepting (`accept4: too many open
 * files`) until some close. rr is a Go program: it raises its soft limit to the hard one itself, so
 * the hard limit is the bound (measured in RELIABILITY.md, "Idle connections").
 * @module
 */
import { readFileSync } from 'node:fs'

/** Below this hard limit runserver warns: a few thousand idle clients would fill rr. */
export const MIN_OPEN_FILES = 16384

export interface OpenFilesLimit {
  soft: number
  hard: number
}

/** The limits in a /proc/<pid>/limits text; undefined when the line is missing. */
export function parseLimits(text: string): OpenFilesLimit | undefined {
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(text)
  if (!m) return undefined
  const n = (v: string): number => (v === 'unlimited' ? Infinity : Number(v))
  return { soft: n(m[1]!), hard: n(m[2]!) }
}

/** This process's open-files limits (rr inherits them); undefined where /proc is not there. */
export function openFilesLimit(pid: number | 'self' = 'self'): OpenFilesLimit | undefined {
  try {
    return parseLimits(readFileSync(`/proc/${pid}/limits`, 'utf8'))
  } catch {
    return undefined
  }
}

/** The warning for a hard limit under MIN_OPEN_FILES, naming the fix; undefined when it is enough. */
export function openFilesWarning(limit: OpenFilesLimit | undefined): string | undefined {
  if (!limit || limit.hard >= MIN_OPEN_FILES) return undefined
  return (
    `The open files limit is ${limit.hard}: rr can hold about ${Math.max(0, limit.hard - 20)} client connections at once (one file each; rr raises its soft limit to this hard limit).\n` +
    'rr keeps an idle keep-alive connection for up to 1 h, so that many idle clients make it stop accepting new ones (accept4: too many open files).\n' +
    `Raise it before starting: ulimit -Hn 65536 && ulimit -n 65536 (as root), LimitNOFILE=65536 in a systemd unit, or docker run --ulimit nofile=65536:65536 (RELIABILITY.md, "Idle connections").`
  )
}
