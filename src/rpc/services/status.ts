/**
 * rr's status plugin over RPC: the health and readiness of the plugins that report them (http,
 * jobs, grpc, tcp, centrifuge, ...), the same answers `/health` and `/ready` give on the status
 * plugin's own address. Protobuf `status.v1` messages.
 * @module
 */
import { descriptor } from '../../generated/status-v1.js'
import type { RpcClient } from '../client.js'
import { encode, lazyTypes } from './proto-types.js'

const type = lazyTypes(descriptor)

/** A plugin's answer: an HTTP-like code (200 healthy/ready; 500+ not) and rr's message. */
export interface PluginStatus {
  code: number
  message: string
}

/**
 * @example
 * import { RpcClient, status } from 'pionia/rpc'
 * const { code } = await status(new RpcClient()).ready('http')   // 200 when a worker is ready
 */
export function status(client: RpcClient) {
  const call = async (method: 'Status' | 'Ready', plugin: string): Promise<PluginStatus> => {
    const reply = await client.callProto(`status.${method}`, encode(type('status.v1.Request'), { plugin }))
    const out = type('status.v1.Response')
    const msg = out.toObject(out.decode(reply), { longs: Number, defaults: true }) as { code: number; message: string }
    return { code: msg.code, message: msg.message }
  }
  return {
    /** Health: 200 while the plugin has a worker ready or working. */
    health: (plugin: string): Promise<PluginStatus> => call('Status', plugin),
    /** Readiness: 200 while the plugin has a worker ready for a new request. */
    ready: (plugin: string): Promise<PluginStatus> => call('Ready', plugin),
  }
}
