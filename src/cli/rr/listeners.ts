/**
 * What runserver's banner says about rr's HTTP listeners: the plain address (h2c when `http2.h2c`),
 * HTTPS on `http.ssl.address` (rr's default 127.0.0.1:443 when unset), FastCGI, and where the plain
 * address came from when a setting overrides `.rr.yaml`. Also the one TLS mistake that makes rr fail
 * at start: the plain and HTTPS listeners on the same port.
 * @module
 */
import type { AddressSource, ResolvedAddress } from '../listen-address.js'
import { splitAddress } from '../listen-address.js'
import { CliError } from '../command.js'

/** rr's HTTPS address when `http.ssl.address` is unset (http plugin, servers/https/config.go). */
export const RR_DEFAULT_SSL_ADDRESS = '127.0.0.1:443'

const SOURCE: Record<AddressSource, string> = {
  cli: '--port/--host',
  env: 'PORT/SERVER_PORT or HOST/SERVER_HOST (environment or environment/.env)',
  'settings:roadrunner': '[roadrunner] PORT/HOST in environment/settings.ini',
  'settings:server': '[server] PORT/HOST in environment/settings.ini',
  'rr.yaml': 'http.address',
  default: 'the default',
}

interface HttpSection {
  address?: unknown
  ssl?: { address?: unknown; cert?: unknown; key?: unknown; acme?: unknown; redirect?: unknown } | null
  http2?: { h2c?: unknown } | null
  fcgi?: { address?: unknown } | null
}

const section = (config: Record<string, unknown>): HttpSection | undefined =>
  config.http && typeof config.http === 'object' ? (config.http as HttpSection) : undefined

/** True when rr serves HTTPS for this http section (cert and key, or ACME), as rr decides it. */
function tlsOn(http: HttpSection): boolean {
  const ssl = http.ssl
  return Boolean(ssl && (ssl.acme || (ssl.cert && ssl.key)))
}

/** The HTTPS address rr binds, `host:port` (`:443` → 127.0.0.1:443 as rr reads it). */
export function httpsAddress(config: Record<string, unknown>): string | undefined {
  const http = section(config)
  if (!http || !tlsOn(http)) return undefined
  const raw = typeof http.ssl!.address === 'string' && http.ssl!.address !== '' ? http.ssl!.address : RR_DEFAULT_SSL_ADDRESS
  return raw.startsWith(':') ? `127.0.0.1${raw}` : raw
}

/** Where the plain address came from, when a setting changed what `.rr.yaml` says. */
function overrideNote(addr: ResolvedAddress): string | undefined {
  if (addr.fromFile === undefined || addr.address === addr.fromFile) return undefined
  const from = [...new Set([addr.source, addr.hostSource].filter((s) => s !== 'rr.yaml' && s !== 'default'))].map((s) => SOURCE[s])
  if (from.length === 0) return undefined
  return `http.address from ${from.join(' and ')}; .rr.yaml says ${addr.fromFile}`
}

/**
 * The banner lines for rr's HTTP listeners, labels padded to `width` (8 → `HTTP:   `), or one line
 * saying there is no http section.
 */
export function listenerLines(config: Record<string, unknown>, addr: ResolvedAddress, width: number): string[] {
  const http = section(config)
  const label = (name: string): string => `  ${`${name}:`.padEnd(Math.max(width, name.length + 2))}`
  if (!http) return [`${label('HTTP')}(no http section in the config)`]
  const lines: string[] = []
  const h2c = Boolean(http.http2?.h2c)
  const notes = [h2c ? 'h2c: HTTP/2 without TLS, for local tests' : undefined, overrideNote(addr)].filter(Boolean)
  lines.push(`${label('HTTP')}http://${addr.address}${notes.length ? `  (${notes.join('; ')})` : ''}`)
  const https = httpsAddress(config)
  if (https) {
    const where = http.ssl!.address ? 'http.ssl.address' : "rr's default: set http.ssl.address to change it"
    lines.push(`${label('HTTPS')}https://${https}  (HTTP/1.1 and HTTP/2; ${where}${http.ssl!.redirect ? '; plain HTTP redirects here' : ''})`)
  }
  if (http.fcgi && typeof http.fcgi.address === 'string' && http.fcgi.address !== '') lines.push(`${label('FastCGI')}${http.fcgi.address}`)
  return lines
}

/**
 * Refuses a config whose plain and HTTPS listeners share a port (the product page's example puts
 * :443 in http.address, which is rr's plain-HTTP listener): rr would fail with "address already in use".
 */
export function checkTlsAddresses(config: Record<string, unknown>, addr: ResolvedAddress): void {
  const https = httpsAddress(config)
  if (!https) return
  const tls = splitAddress(https)
  const anyHost = (h: string | undefined): boolean => !h || h === '0.0.0.0' || h === '::' || h === '[::]'
  const sameHost = anyHost(tls.host) || anyHost(addr.host) || tls.host === addr.host
  if (String(tls.port) !== String(addr.port) || !sameHost) return
  throw new CliError(
    'RR_ERR_BAD_ADDRESS',
    `HTTPS (${https}${section(config)!.ssl!.address ? ', http.ssl.address' : ", rr's default http.ssl.address"}) and plain HTTP (${addr.address}, http.address) ` +
      `would listen on the same port ${addr.port}.\n` +
      'http.address is rr\'s plain-HTTP (or h2c) listener; HTTPS listens on http.ssl.address. Give them different ports, e.g.\n' +
      '  http:\n    address: 127.0.0.1:8000\n    ssl:\n      address: 0.0.0.0:443\n      cert: /path/to/fullchain.pem\n      key: /path/to/privkey.pem',
  )
}
