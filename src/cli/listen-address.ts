/**
 * The HTTP listen address of a project, resolved in the documented order (shared by `pionia runserver`
 * and `pionia serve`, so both default to the same place):
 *
 *  1. `--port` / `--host` (the host may carry a port: `h:p`, `[v6]:p`; `--port` wins over it);
 *  2. `PORT` / `SERVER_PORT` (and `HOST` / `SERVER_HOST`) from the environment, then environment/.env;
 *  3. `[roadrunner]`, then `[server]` `PORT` / `HOST` in environment/settings.ini;
 *  4. `.rr.yaml` `http.address` (parsed as YAML; `:p`, `p`, `h:p`, `[v6]:p`);
 *  5. 127.0.0.1:8000.
 *
 * Port and host are resolved independently, as Pionia's PHP resolver does: `PORT=9000` in .env with
 * `address: 0.0.0.0:8000` in .rr.yaml gives 0.0.0.0:9000.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { Settings } from '../config/settings.js'

export const DEFAULT_HOST = '127.0.0.1'
export const DEFAULT_PORT = 8000

/** Where the winning value came from. */
export type AddressSource = 'cli' | 'env' | 'settings:roadrunner' | 'settings:server' | 'rr.yaml' | 'default'

export interface ResolveAddressOptions {
  /** Project root (holds environment/ and, by default, .rr.yaml). */
  cwd: string
  /** Process environment to consult before environment/.env. */
  env?: NodeJS.ProcessEnv
  /** `--port`. */
  port?: string | number
  /** `--host` (may be `h:p` or `[v6]:p`). */
  host?: string
  /** The rr config (default `<cwd>/.rr.yaml`). */
  rrConfigPath?: string
}

export interface ResolvedAddress {
  host: string
  port: number
  /** `host:port` (IPv6 hosts bracketed), the form rr's `http.address` takes. */
  address: string
  /** Source of the port. */
  source: AddressSource
  /** Source of the host. */
  hostSource: AddressSource
  /** `http.address` exactly as written in the rr config (after `${VAR}` expansion), if any. */
  fromFile: string | undefined
}

/** A bad address value; the message names the value, where it came from and what to write instead. */
export class AddressError extends Error {
  override readonly name = 'AddressError'
  readonly code = 'RR_ERR_BAD_ADDRESS'
}

interface Split {
  host?: string
  port?: string
}

/** Splits `h:p`, `[v6]:p`, `:p`, `p` or `h` (a bare number is a port). */
export function splitAddress(value: string): Split {
  const v = value.trim()
  if (v === '') return {}
  const v6 = /^\[([^\]]+)\](?::(\d*))?$/.exec(v)
  if (v6) return { host: v6[1], port: v6[2] || undefined }
  if (/^\d+$/.test(v)) return { port: v }
  if (v.startsWith(':')) return { port: v.slice(1) || undefined }
  const colons = v.split(':').length - 1
  if (colons > 1) return { host: v } // a bare IPv6 address
  const i = v.indexOf(':')
  if (i < 0) return { host: v }
  return { host: v.slice(0, i) || undefined, port: v.slice(i + 1) || undefined }
}

function parsePort(value: string | number, origin: string): number {
  const s = String(value).trim()
  const n = Number(s)
  if (!/^\d+$/.test(s) || n < 1 || n > 65535) {
    throw new AddressError(`Invalid port "${s}" from ${origin}: use a number between 1 and 65535.`)
  }
  return n
}

/** Expands `${VAR}`, `${VAR:-default}` and `$VAR` the way rr expands its config. */
export function expandEnv(value: string, env: NodeJS.ProcessEnv): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a, def, b) => {
    const v = env[(a ?? b) as string]
    return v !== undefined && v !== '' ? v : ((def as string | undefined) ?? '')
  })
}

/** `http.address` of an rr config file, or undefined (no file, no key). Throws on invalid YAML. */
export function readRrAddress(path: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!existsSync(path)) return undefined
  let doc: unknown
  try {
    doc = parseYaml(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new AddressError(`${path} is not valid YAML (${(err as Error).message.split('\n')[0]}): fix the file or pass --config=<path>.`)
  }
  const http = (doc as { http?: { address?: unknown } } | null)?.http
  const address = http && typeof http === 'object' ? http.address : undefined
  if (address === undefined || address === null) return undefined
  return expandEnv(String(address), env)
}

function formatAddress(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`
}

/**
 * Resolves the listen address.
 * @example
 * import { resolveAddress } from './listen-address.js'
 * const { address, source } = resolveAddress({ cwd: process.cwd() }) // '127.0.0.1:8000', 'default'
 */
export function resolveAddress(options: ResolveAddressOptions): ResolvedAddress {
  const env = options.env ?? process.env
  const settings = new Settings(options.cwd)
  const dotenv = settings.dotenv()
  const fromEnv = (names: string[]): [string, string] | undefined => {
    for (const n of names) if (env[n]) return [n, env[n]!]
    for (const n of names) if (dotenv[n]) return [n, dotenv[n]!]
    return undefined
  }
  const rrConfigPath = options.rrConfigPath ?? join(options.cwd, '.rr.yaml')
  const fromFile = readRrAddress(resolve(options.cwd, rrConfigPath), env)
  const file = fromFile !== undefined ? splitAddress(fromFile) : {}
  const cliHost = options.host !== undefined && options.host !== '' ? splitAddress(options.host) : {}

  let port: number
  let source: AddressSource
  const envPort = fromEnv(['PORT', 'SERVER_PORT'])
  const iniPort = (section: string): string | undefined => settings.get(section, 'PORT') || undefined
  if (options.port !== undefined && options.port !== '') {
    port = parsePort(options.port, '--port')
    source = 'cli'
  } else if (cliHost.port) {
    port = parsePort(cliHost.port, '--host')
    source = 'cli'
  } else if (envPort) {
    port = parsePort(envPort[1], `${envPort[0]} (environment or environment/.env)`)
    source = 'env'
  } else if (iniPort('roadrunner')) {
    port = parsePort(iniPort('roadrunner')!, '[roadrunner] PORT in environment/settings.ini')
    source = 'settings:roadrunner'
  } else if (iniPort('server')) {
    port = parsePort(iniPort('server')!, '[server] PORT in environment/settings.ini')
    source = 'settings:server'
  } else if (file.port) {
    port = parsePort(file.port, `http.address in ${rrConfigPath}`)
    source = 'rr.yaml'
  } else {
    port = DEFAULT_PORT
    source = 'default'
  }

  let host: string
  let hostSource: AddressSource
  const envHost = fromEnv(['HOST', 'SERVER_HOST'])
  const iniHost = (section: string): string | undefined => settings.get(section, 'HOST') || undefined
  if (cliHost.host) [host, hostSource] = [cliHost.host, 'cli']
  else if (envHost) [host, hostSource] = [envHost[1], 'env']
  else if (iniHost('roadrunner')) [host, hostSource] = [iniHost('roadrunner')!, 'settings:roadrunner']
  else if (iniHost('server')) [host, hostSource] = [iniHost('server')!, 'settings:server']
  else if (file.host) [host, hostSource] = [file.host, 'rr.yaml']
  else [host, hostSource] = [DEFAULT_HOST, 'default']

  return { host, port, address: formatAddress(host, port), source, hostSource, fromFile }
}
