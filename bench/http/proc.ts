/**
 * Process figures read from /proc for the HTTP benchmarks (run.ts, ladder.ts): CPU seconds of a set
 * of pids, so a case's cost per request is measured on the processes that did the work.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** Clock ticks per second (/proc/<pid>/stat counts CPU time in these). */
const TICK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100

/** User + system CPU seconds of `pids` so far (/proc/<pid>/stat fields 14 and 15); a gone pid counts 0. */
export function cpuSeconds(pids: number[]): number {
  let ticks = 0
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      ticks += Number(fields[11]) + Number(fields[12])
    } catch {
      // process gone
    }
  }
  return ticks / TICK
}
