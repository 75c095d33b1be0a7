/**
 * Process identity for stopserver: a pid alone can be reused, so the runtime file also records the
 * process's start time (Linux /proc/<pid>/stat field 22) and stop acts only on the same process.
 * @module
 */
import { readFileSync, readdirSync } from 'node:fs'

/** True when `pid` exists (signal 0). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Start time of `pid` in clock ticks since boot, or undefined (no /proc, no such process). */
export function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may contain spaces and parentheses: split after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return fields[19] // field 22 overall
  } catch {
    return undefined
  }
}

/** The command line of `pid` (NUL-separated args joined by spaces), or undefined. */
export function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()
  } catch {
    return undefined
  }
}

/** Sends `signal` to the process group `pgid` (negative pid); false when no such group. */
export function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal)
    return true
  } catch {
    return false
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Parent pid of `pid` from /proc, or undefined. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  } catch {
    return undefined
  }
}

/**
 * Every descendant of `pid` (children, their children, …) with its start time, from /proc (empty
 * elsewhere). rr puts each worker in its own process group, so killing rr's group misses them.
 */
export function descendants(pid: number): { pid: number; start: string | undefined }[] {
  let entries: string[]
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e))
  } catch {
    return []
  }
  const children = new Map<number, number[]>()
  for (const e of entries) {
    const child = Number(e)
    const parent = parentOf(child)
    if (parent === undefined) continue
    const list = children.get(parent)
    if (list) list.push(child)
    else children.set(parent, [child])
  }
  const out: { pid: number; start: string | undefined }[] = []
  const walk = (p: number): void => {
    for (const c of children.get(p) ?? []) {
      out.push({ pid: c, start: startTime(c) })
      walk(c)
    }
  }
  walk(pid)
  return out
}

/** SIGKILLs each process that is still the one recorded (same start time); returns the pids killed. */
export function killRecorded(list: { pid: number; start: string | undefined }[]): number[] {
  const killed: number[] = []
  for (const p of list) {
    if (!isAlive(p.pid) || (p.start !== undefined && startTime(p.pid) !== p.start)) continue
    try {
      process.kill(p.pid, 'SIGKILL')
      killed.push(p.pid)
    } catch {
      // gone meanwhile
    }
  }
  return killed
}
