/**
 * A rolling restart of the cluster's two rr nodes, one at a time, while a load runs through nginx:
 * `rr reset` (new workers, rr keeps its listeners), then stop/start with the node drained from nginx
 * first (marked `down`, nginx reloaded, its old workers gone), so no request is sent to a node that
 * is stopping. Shared by test/cluster/rolling-restart.test.ts and bench/cluster/failures.ts.
 */
import { performance } from 'node:perf_hooks'
import type { Cluster, NodeName } from './stack.js'

export interface Step {
  what: string
  seconds: number
}

/** Drains `name` from nginx, stops its rr (one SIGTERM), starts it, puts it back. */
export async function restartDrained(c: Cluster, name: NodeName): Promise<void> {
  await c.nginx.setDown([c.nodes[name].addresses.http])
  const code = await c.nodes[name].stop()
  if (code !== 0) throw new Error(`node ${name}'s rr exited with ${code} on SIGTERM:\n${c.nodes[name].output()}`)
  await c.nodes[name].start()
  await c.nginx.setDown([])
}

/** Stops and starts `name` without draining it from nginx first (to measure what that costs). */
export async function restartUndrained(c: Cluster, name: NodeName): Promise<void> {
  await c.nodes[name].stop()
  await c.nodes[name].start()
}

/** Runs the steps in order, `between()` (e.g. "wait for N more answers") before each. */
export async function rolling(c: Cluster, between: () => Promise<void>, mode: { reset: boolean; restart: 'drained' | 'undrained' | 'none' }): Promise<Step[]> {
  const steps: Step[] = []
  const time = async (what: string, fn: () => Promise<void>) => {
    await between()
    const t = performance.now()
    await fn()
    steps.push({ what, seconds: Number(((performance.now() - t) / 1000).toFixed(1)) })
  }
  for (const name of ['a', 'b'] as const) if (mode.reset) await time(`rr reset node ${name}`, () => c.nodes[name].reset())
  for (const name of ['a', 'b'] as const) {
    if (mode.restart === 'drained') await time(`drain, stop, start node ${name}`, () => restartDrained(c, name))
    if (mode.restart === 'undrained') await time(`stop, start node ${name} (not drained)`, () => restartUndrained(c, name))
  }
  await between()
  return steps
}
