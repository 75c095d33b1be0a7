/**
 * A second Ctrl+C while a command is already stopping means "stop now". main.ts owns the process
 * signals and calls `forceRequested()`; long-running commands subscribe with `onForce`.
 * @module
 */
const listeners = new Set<() => void>()

/** Registers `fn` for a second SIGINT/SIGTERM; returns an unsubscribe function. */
export function onForce(fn: () => void): () => void {
  listeners.add(fn)
  return () => listeners.delete(fn)
}

/** Called by main.ts on the second signal; true if some command took it. */
export function forceRequested(): boolean {
  for (const fn of listeners) fn()
  return listeners.size > 0
}
