/**
 * rr's informer service: which plugins have workers, and their processes.
 * @module
 */
import type { RpcClient } from '../client.js'

/** One worker process as rr reports it. */
export interface WorkerState {
  pid: number
  /** fsm state number: 1 ready, 2 working, 3 invalid, … */
  status: number
  statusStr: string
  numExecs: number
  /** Creation time, Unix nanoseconds. */
  created: number
  /** RSS in bytes. */
  memoryUsage: number
  CPUPercent: number
  command: string
}

/**
 * @example
 * import { RpcClient, informer } from 'pionia/rpc'
 * const workers = await informer(new RpcClient()).workers('http')
 */
export function informer(client: RpcClient) {
  return {
    /** Plugins that have worker pools (`http`, `jobs`, …). */
    list: (): Promise<string[]> => client.callJson<string[]>('informer.List', true),
    /** Worker processes of one plugin. */
    workers: async (plugin: string): Promise<WorkerState[]> =>
      (await client.callJson<{ workers: WorkerState[] | null }>('informer.Workers', plugin)).workers ?? [],
    /** Adds a worker to a plugin's pool. */
    addWorker: (plugin: string): Promise<boolean> => client.callJson<boolean>('informer.AddWorker', plugin),
    /** Removes a worker from a plugin's pool. */
    removeWorker: (plugin: string): Promise<boolean> => client.callJson<boolean>('informer.RemoveWorker', plugin),
  }
}
