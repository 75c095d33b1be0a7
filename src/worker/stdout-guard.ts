/**
 * On the pipes relay stdout is the protocol channel: one stray byte breaks the frame stream and rr
 * kills the worker. The guard sends everything user code writes to stdout (console.log,
 * console.info, process.stdout.write) to stderr instead, which rr logs, and warns once.
 * @module
 */
import { originalStdoutWrite } from '../relay/pipe-relay.js'

export { originalStdoutWrite }

let installed: (() => void) | null = null

/**
 * Redirects writes to `process.stdout` to `process.stderr`. Returns a function that undoes it.
 * Idempotent. The pipes relay keeps writing frames through the original stdout `write`.
 */
export function installStdoutGuard(): () => void {
  if (installed) return installed
  const stdout = process.stdout
  const replaced = stdout.write
  let warned = false
  const guarded = function (this: unknown, chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
    if (!warned) {
      warned = true
      process.stderr.write(
        '[pionia] stdout is the protocol channel on the pipes relay: console.log/process.stdout output is written to stderr instead. Log with console.error or a stderr logger to silence this warning.\n',
      )
    }
    return (process.stderr.write as (...a: unknown[]) => boolean)(chunk, encoding, cb)
  }
  stdout.write = guarded as typeof stdout.write
  installed = () => {
    if (stdout.write === (guarded as typeof stdout.write)) stdout.write = replaced
    installed = null
  }
  return installed
}
