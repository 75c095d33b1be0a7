/**
 * The database drivers are optional peer dependencies: an app that never opens SQLite or PostgreSQL
 * installs neither (better-sqlite3 compiles native code). They load on the first connection, with a
 * message that says which package to install.
 * @module
 */
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const loaded = new Map<string, unknown>()

/** Thrown when a driver package is not installed. */
export class MissingDriverError extends Error {
  readonly code = 'PIONIA_MISSING_DRIVER'
}

/** `require(pkg)` once, or a MissingDriverError: "install <pkg>@<range> to use <what>". */
export function loadDriver<T>(pkg: string, range: string, what: string): T {
  if (loaded.has(pkg)) return loaded.get(pkg) as T
  let mod: unknown
  try {
    mod = require(pkg)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'MODULE_NOT_FOUND' || !String((err as Error).message).includes(`'${pkg}'`)) throw err
    throw new MissingDriverError(`install ${pkg}@${range} to use ${what}: npm install ${pkg}@${range} (pionia lists it as an optional peer dependency).`)
  }
  loaded.set(pkg, mod)
  return mod as T
}
