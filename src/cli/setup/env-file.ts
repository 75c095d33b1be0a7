/**
 * `environment/.env` for rr:setup: created from `environment/.env.example` when missing, with a
 * random JWT_SECRET in place of the example's placeholder (an existing .env whose JWT_SECRET is a
 * placeholder or too short gets a random one too; nothing else in it changes).
 * @module
 */
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { jwtSecretProblem } from '../../moonlight/auth/jwt.js'

/** What ensureEnvFile did, for the command to print. */
export type EnvFileResult = 'created' | 'secret-replaced' | 'unchanged' | 'no-example'

const SECRET_LINE = /^(\s*(?:export\s+)?JWT_SECRET\s*=)(.*)$/m

/** A 64-hex-character secret (32 random bytes). */
export const randomSecret = (): string => randomBytes(32).toString('hex')

/** Writes or fixes `<root>/environment/.env` (mode 0600 when created). */
export function ensureEnvFile(root: string): EnvFileResult {
  const dir = join(root, 'environment')
  const env = join(dir, '.env')
  const example = join(dir, '.env.example')
  if (!existsSync(env)) {
    if (!existsSync(example)) return 'no-example'
    const text = readFileSync(example, 'utf8')
    const secret = `JWT_SECRET=${randomSecret()}`
    const out = SECRET_LINE.test(text) ? text.replace(SECRET_LINE, secret) : `${text.replace(/\n?$/, '\n')}${secret}\n`
    writeFileSync(env, out, { mode: 0o600 })
    return 'created'
  }
  const text = readFileSync(env, 'utf8')
  const m = SECRET_LINE.exec(text)
  if (!m) return 'unchanged'
  const value = m[2]!.trim().replace(/^(['"])(.*)\1$/, '$2')
  if (!jwtSecretProblem(value)) return 'unchanged'
  writeFileSync(env, text.replace(SECRET_LINE, `$1${randomSecret()}`))
  return 'secret-replaced'
}
