/**
 * rr's tcp plugin over RPC: close one connection from anywhere (another worker, a job).
 * @module
 */
import type { RpcClient } from '../client.js'

/**
 * Closes the tcp connection `uuid` (the `uuid` of its events in a pionia/tcp handler).
 * rr answers true also when no such connection is open any more.
 */
export function closeTcpConnection(client: RpcClient, uuid: string): Promise<boolean> {
  return client.callJson<boolean>('tcp.Close', uuid)
}
