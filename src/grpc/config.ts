/**
 * What a gRPC worker reads from .rr.yaml: the `grpc.proto` files (the one schema rr and the worker
 * share) and `grpc.pool.supervisor.exec_ttl` (the time rr gives one call). Read once at startup.
 * @module
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative, resolve, sep } from 'node:path'
import { parse } from 'yaml'
import { GrpcSetupError } from './status.js'

export interface GrpcConfig {
  /** Absolute paths of the .proto files, in .rr.yaml order, globs expanded. */
  protos: string[]
  /** `grpc.pool.supervisor.exec_ttl` in ms, when set. */
  execTtlMs: number | undefined
}

/** ${VAR} and ${VAR:-default}, as rr expands them in config values. */
function expandEnv(s: string): string {
  return s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, a, def, b) => {
    const v = process.env[a ?? b]
    return v === undefined || v === '' ? (def ?? '') : v
  })
}

/** Go duration ("1m30s", "500ms", "10s") in ms; undefined when not parseable. */
export function parseGoDuration(s: unknown): number | undefined {
  if (typeof s === 'number') return s / 1e6
  if (typeof s !== 'string' || !/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(s.trim())) return undefined
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
  let ms = 0
  for (const m of s.trim().matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * unit[m[2]!]!
  return ms
}

function globToRegExp(pattern: string): RegExp {
  let re = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*'
      i++
      if (pattern[i + 1] === '/') i++
    } else if (c === '*') re += '[^/]*'
    else if (c === '?') re += '[^/]'
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${re}$`)
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p, out)
    else out.push(p)
  }
  return out
}

/** Expands one `grpc.proto` entry: a path, or a glob with `*`, `**`, `?` (as rr's doublestar). */
function expand(entry: string, cwd: string): string[] {
  const abs = resolve(cwd, entry)
  if (!/[*?]/.test(entry)) return [abs]
  const fixed = abs.split(sep)
  const firstGlob = fixed.findIndex((s) => /[*?]/.test(s))
  const base = fixed.slice(0, firstGlob).join(sep) || sep
  if (!existsSync(base)) return []
  const re = globToRegExp(relative(base, abs).split(sep).join('/'))
  return walk(base).filter((f) => re.test(relative(base, f).split(sep).join('/'))).sort()
}

/**
 * Reads the grpc section of the rr config: `configPath` (default `$PIONIA_RR_CONFIG`, else
 * `.rr.yaml` in the worker's working directory, which is rr's).
 */
export function readGrpcConfig(configPath?: string, cwd = process.cwd()): GrpcConfig {
  const path = resolve(cwd, configPath ?? process.env.PIONIA_RR_CONFIG ?? '.rr.yaml')
  let doc: unknown
  try {
    doc = parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new GrpcSetupError(
      `grpc: cannot read the rr config ${path} (${(err as Error).message}). The worker takes the .proto files from ` +
        `its grpc.proto list: run it under rr from the config's folder, set PIONIA_RR_CONFIG, or pass serveGrpc(services, { protos: [...] })`,
    )
  }
  const grpc = (doc as { grpc?: { proto?: unknown; pool?: { supervisor?: { exec_ttl?: unknown } } } } | null)?.grpc
  if (!grpc) throw new GrpcSetupError(`grpc: ${path} has no grpc section; add grpc: { listen: tcp://127.0.0.1:9001, proto: [path/to/service.proto] }`)
  const list = typeof grpc.proto === 'string' ? [grpc.proto] : Array.isArray(grpc.proto) ? grpc.proto : []
  // rr resolves these against its working directory, which is the worker's too.
  const protos = resolveProtos(list.filter((p): p is string => typeof p === 'string' && p !== '').map(expandEnv), cwd, `${path} grpc.proto`)
  return { protos, execTtlMs: parseGoDuration(grpc.pool?.supervisor?.exec_ttl) }
}

/** Resolves entries to existing files; a missing one (or an empty list) is a setup error naming the fix. */
export function resolveProtos(entries: string[], cwd: string, where: string): string[] {
  if (entries.length === 0) throw new GrpcSetupError(`grpc: ${where} lists no .proto file; add the files that define your services`)
  const files: string[] = []
  for (const e of entries) {
    const found = expand(e, cwd)
    if (found.length === 0 || (!/[*?]/.test(e) && !existsSync(found[0]!))) {
      throw new GrpcSetupError(
        `grpc: proto file "${e}" listed in ${where} does not exist (looked in ${cwd}); fix the path or create the file`,
      )
    }
    files.push(...found)
  }
  return [...new Set(files)]
}
