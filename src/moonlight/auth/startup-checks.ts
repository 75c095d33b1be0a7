/**
 * What a Moonlight app says once when it starts: DEBUG is on (public `__catalog`, stack traces in 500
 * answers, placeholder JWT secrets accepted), or the JWT secret is a placeholder or too short.
 * @module
 */
import type { Settings } from '../../config/settings.js'
import type { Logger } from '../core/log.js'
import { jwtSettings } from './backends.js'
import { jwtSecretProblem } from './jwt.js'

/** Logs the startup warnings for `settings` (called by the app's constructor). */
export function startupChecks(settings: Settings, debug: boolean, logger: Logger): void {
  if (debug) {
    logger.warn(
      'DEBUG is on: __catalog is public, 500 answers carry exception messages and stack traces, and a placeholder JWT secret is accepted. ' +
        'Set DEBUG=false in environment/.env for anything other people can reach.',
    )
  }
  const { secret } = jwtSettings(settings)
  if (!secret) return
  const problem = jwtSecretProblem(secret)
  if (!problem) return
  const fix = 'Generate one with `openssl rand -hex 32` and set JWT_SECRET=<it> in environment/.env.'
  if (debug) logger.warn(`INSECURE: ${problem}. Tokens signed with it are accepted only because DEBUG is on. ${fix}`)
  else logger.error(`${problem}: every Bearer token is refused (callers are anonymous) and logins fail until it is replaced. ${fix}`)
}
