/**
 * Warnings that must be seen in production. rr logs everything a worker writes to stderr at INFO
 * (pool/worker/worker.go `Write` → `log.Info`), which `logs.level: warn` hides. {@link warnOnce}
 * sends a line through rr's app logger instead (`app.Warning` over RPC: WARN, channel `app`)
 * when rr's RPC is reachable (RR_RPC), and to stderr otherwise; each distinct line once per
 * worker process, so a handler that fails on every request costs one RPC call in total. The RPC
 * client is loaded with the first warning.
 * @module
 */
import type { RpcClient } from '../rpc/client.js'
import { readEnvironment } from '../worker/environment.js'

const sent = new Set<string>()

/** Logs `line` at WARN in rr's log (stderr without RPC), the first time only. Never throws. */
export async function warnOnce(line: string): Promise<void> {
  if (sent.has(line)) return
  sent.add(line)
  const address = readEnvironment().rpc
  if (address) {
    let rpc: RpcClient | undefined
    try {
      // Loaded here, not at import: most workers never warn, and the RPC client (msgpack) costs start time.
      const { RpcClient } = await import('../rpc/client.js')
      rpc = new RpcClient(address, { timeoutMs: 2000, connectAttempts: 1 })
      await rpc.callJson('app.Warning', line)
      return
    } catch {
      // no app logger in this rr build, or RPC unreachable: stderr below
    } finally {
      await rpc?.close().catch(() => {})
    }
  }
  process.stderr.write(`${line}\n`)
}
