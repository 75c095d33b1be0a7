/**
 * rr's resetter service: restart the workers of a plugin.
 * @module
 */
import type { RpcClient } from '../client.js'

/**
 * @example
 * import { RpcClient, resetter } from 'pionia/rpc'
 * await resetter(new RpcClient()).reset('http')
 */
export function resetter(client: RpcClient) {
  return {
    /** Plugins that can be reset. */
    list: (): Promise<string[]> => client.callJson<string[]>('resetter.List', true),
    /** Replaces every worker of `plugin` (new processes, new pids). */
    reset: (plugin: string): Promise<boolean> => client.callJson<boolean>('resetter.Reset', plugin),
  }
}
