/**
 * The host for a request that named none (HTTP/1.0 without `Host`, or an empty `Host:`): rr then
 * hands the worker `http:///path`. It gets the address rr listens on:
 *
 *  1. env `PIONIA_HTTP_ADDRESS` (`pionia runserver` sets it to the `http.address` it gives rr);
 *  2. else rr's own `http.address`, asked once per worker over rr's RPC (`rpc.Config`: rr's config
 *     after `-o` overrides and `${VAR}` expansion). rr passes its workers RR_RPC, RR_RELAY, RR_MODE,
 *     RR_VERSION and server.env, but not the listen address, so a bare `rr serve` needs the RPC;
 *  3. else `localhost` (rr has no `rpc` section, or it did not answer).
 *
 * Only a host-less request pays for it (the first one waits for the RPC answer, the rest read the
 * cached value); other requests never reach this file.
 * @module
 */
import { readEnvironment } from '../worker/environment.js'

let known: string | undefined
let asking: Promise<string> | undefined

/** True when rr sent a URL without a host (`http:///…` or `https:///…`). */
export function hostless(uri: string): boolean {
  return uri.startsWith(':///', 4) || uri.startsWith(':///', 5)
}

/** `uri` with the listen address as its host (see the module comment). */
export function withListenHost(uri: string): string | Promise<string> {
  const host = known ?? fromEnv()
  if (host !== undefined) return insertHost(uri, host)
  return (asking ??= askRr()).then((h) => insertHost(uri, h))
}

function insertHost(uri: string, host: string): string {
  const at = uri.indexOf(':///') + 3
  return `${uri.slice(0, at)}${host}${uri.slice(at)}`
}

function fromEnv(): string | undefined {
  const v = process.env.PIONIA_HTTP_ADDRESS?.trim()
  return v ? (known = urlHost(v)) : undefined
}

/**
 * rr's `http.address` as a URL host: `:8080` (every interface) becomes `localhost:8080`; a value that
 * makes no URL host gives `localhost`.
 */
export function urlHost(address: string): string {
  const a = address.trim().replace(/^[a-z]+:\/\//i, '')
  const host = a.startsWith(':') ? `localhost${a}` : a
  try {
    return new URL(`http://${host}/`).host ? host : 'localhost'
  } catch {
    return 'localhost'
  }
}

async function askRr(): Promise<string> {
  const address = readEnvironment().rpc
  if (!address) return (known = 'localhost')
  const { RpcClient } = await import('../rpc/client.js')
  const rpc = new RpcClient(address, { timeoutMs: 2000, connectAttempts: 1 })
  try {
    // rpc.Config answers Go's []byte: base64 in JSON, holding rr's whole config as JSON.
    const b64 = await rpc.callJson<string>('rpc.Config', true)
    const config = JSON.parse(Buffer.from(b64, 'base64').toString('utf8')) as { http?: { address?: unknown } }
    const listen = config.http?.address
    known = typeof listen === 'string' && listen.trim() !== '' ? urlHost(listen) : 'localhost'
  } catch (err) {
    process.stderr.write(`[pionia] a request without a Host header: rr's http.address could not be read over RPC (${(err as Error).message}); using localhost\n`)
    known = 'localhost'
  } finally {
    await rpc.close().catch(() => {})
  }
  return known
}
