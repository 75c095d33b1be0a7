/**
 * Waiting helpers for the realtime tests: an event from a centrifuge-js client, or a line in the
 * JSON-lines event log a fixture worker writes. Each wait has a generous upper bound that only
 * turns a hang into a readable failure; nothing waits for a fixed time.
 */
import { existsSync, readFileSync } from 'node:fs'

interface Emitter {
  on(event: string, listener: (ctx: any) => void): unknown
  removeListener(event: string, listener: (ctx: any) => void): unknown
}

/** Resolves with the first `event` whose context passes `filter`. */
export function nextEvent<T = any>(emitter: Emitter, event: string, filter: (ctx: T) => boolean = () => true, timeoutMs = 20_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const listener = (ctx: T): void => {
      if (!filter(ctx)) return
      clearTimeout(timer)
      emitter.removeListener(event, listener)
      resolve(ctx)
    }
    const timer = setTimeout(() => {
      emitter.removeListener(event, listener)
      reject(new Error(`no "${event}" event within ${timeoutMs} ms`))
    }, timeoutMs)
    emitter.on(event, listener)
  })
}

export type LoggedEvent = Record<string, any> & { type: string; pid: number }

/** The events a fixture worker appended to `file`. */
export function readEvents(file: string): LoggedEvent[] {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LoggedEvent)
}

/** Polls `file` until an event passes `match`. */
export async function waitForEvent(file: string, match: (e: LoggedEvent) => boolean, timeoutMs = 30_000): Promise<LoggedEvent> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const hit = readEvents(file).find(match)
    if (hit) return hit
    if (Date.now() > deadline) throw new Error(`no matching event in ${file} within ${timeoutMs} ms; saw: ${JSON.stringify(readEvents(file))}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
