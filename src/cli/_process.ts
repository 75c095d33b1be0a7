/**
 * Process identity for stopserver: a pid alone can be reused, so the runtime file also records the
 * process's start time (Linux /proc/<pid>/stat field 22) and stop acts only on the same process.
 * @module
 */
import { readFileSync } from 'node:fs'

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
