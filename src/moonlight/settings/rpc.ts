/**
 * Which rr RPC address Moonlight talks to (jobs, cache, realtime). Inside an rr worker, the RR_RPC
 * rr gave it wins: that is the rr that started this worker, whatever `-o rpc.listen=…` or a second
 * app on the machine changed. A `[section] RPC` in settings.ini applies only outside rr (scripts,
 * tests, `pionia serve`); when it disagrees with RR_RPC that is logged once.
 * @module
 */
import { rrRpcFromEnv } from '../../config/rr-rpc.js'

const warned = new Set<string>()

/**
 * The address for `section`: RR_RPC when set, else `configured`, else `fallback`. `warn` receives
 * the one-time mismatch message (default: stderr; a worker never writes to stdout).
 */
export function rrRpcAddress(
  section: string,
  configured: string | undefined,
  fallback: string | undefined,
  warn: (message: string) => void = (m) => void process.stderr.write(`[pionia] ${m}\n`),
): string | undefined {
  const own = rrRpcFromEnv()
  const ini = configured?.trim() || undefined
  if (own === undefined) return ini ?? fallback
  if (ini !== undefined && ini !== own) {
    const key = `${section}|${ini}|${own}`
    if (!warned.has(key)) {
      warned.add(key)
      warn(
        `[${section}] RPC = ${ini} in environment/settings.ini is ignored inside rr: this worker's rr listens on ${own} (RR_RPC). ` +
          'The settings.ini value applies only outside rr; remove it, or make it match rpc.listen in .rr.yaml.',
      )
    }
  }
  return own
}
