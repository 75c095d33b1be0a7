/**
 * `pionia maintenance:on` (alias `down`): turns on the 503 maintenance gate by writing
 * `[maintenance]` in environment/settings.ini; running workers pick it up on their next request.
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CliError, defineCommand } from '../command.js'
import { Settings } from '../../config/settings.js'
import { maintenanceState } from '../../moonlight/http/maintenance.js'
import { str } from '../util/args.js'
import { updateIniFile } from '../ini-edit.js'
import { painter, useColor } from '../util/color.js'

/** Sets MAINTENANCE_BYPASS_TOKEN in environment/.env (git-ignored), keeping every other line. */
function writeEnvToken(root: string, token: string): void {
  const path = join(root, 'environment', '.env')
  const line = `MAINTENANCE_BYPASS_TOKEN=${token}`
  if (!existsSync(path)) {
    writeFileSync(path, `${line}\n`, { mode: 0o600 })
    return
  }
  const text = readFileSync(path, 'utf8')
  const re = /^\s*(?:export\s+)?MAINTENANCE_BYPASS_TOKEN\s*=.*$/m
  writeFileSync(path, re.test(text) ? text.replace(re, line) : `${text.replace(/\n?$/, '\n')}${line}\n`)
}

export default defineCommand({
  name: 'maintenance:on',
  aliases: ['down'],
  summary: 'Put the app in maintenance mode (503 for every request, without restarting rr)',
  usage: `Usage: npx pionia maintenance:on [options]

Sets [maintenance] ENABLED = true in environment/settings.ini (other sections and comments are kept).
Workers re-read it on every request, so rr keeps running.

Options:
  -m, --message=<text>     message shown to clients
  --retry-after=<seconds>  Retry-After header value
  -s, --bypass=<token>     token that lets a request through (X-Maintenance-Bypass header or ?bypass=)
      --secret=<token>     same as --bypass
      --env                keep the bypass token in environment/.env (MAINTENANCE_BYPASS_TOKEN, git-ignored)
                           instead of the tracked settings.ini

MAINTENANCE_BYPASS_TOKEN in the environment or environment/.env wins over settings.ini: the token
printed is the one the app will accept.
`,
  options: {
    message: { type: 'string', short: 'm' },
    'retry-after': { type: 'string' },
    bypass: { type: 'string', short: 's' },
    secret: { type: 'string' },
    env: { type: 'boolean' },
  },
  async run({ values }, ctx) {
    const paint = painter(useColor(ctx.stdout, ctx.env))
    const retry = str(values['retry-after'])
    if (retry !== undefined && !/^\d+$/.test(retry)) {
      throw new CliError('RR_ERR_BAD_OPTION', `--retry-after must be a number of seconds, got "${retry}".`)
    }
    const bypass = str(values.bypass) ?? str(values.secret)
    const updates: Record<string, string> = { ENABLED: 'true' }
    if (str(values.message) !== undefined) updates.MESSAGE = str(values.message)!
    if (retry !== undefined) updates.RETRY_AFTER = retry
    const inEnv = Boolean(values.env)
    if (inEnv && bypass === undefined) throw new CliError('RR_ERR_BAD_OPTION', '--env keeps the bypass token in environment/.env: pass it with --bypass=<token>.')
    if (bypass !== undefined && !inEnv) updates.BYPASS_TOKEN = bypass
    const path = join(ctx.cwd, 'environment', 'settings.ini')
    await updateIniFile(path, 'maintenance', updates)
    if (bypass !== undefined && inEnv) writeEnvToken(ctx.cwd, bypass)
    ctx.stdout.write(paint('yellow', 'Application is now in maintenance mode.') + '\n')
    // What the app will accept: the environment and environment/.env win over settings.ini.
    const effective = maintenanceState(new Settings(ctx.cwd)).bypassToken
    if (effective) {
      ctx.stdout.write(`Bypass: send the header X-Maintenance-Bypass: ${effective} (or ?bypass=${effective}).\n`)
      if (bypass !== undefined && effective !== bypass) {
        ctx.stdout.write(paint('yellow', `MAINTENANCE_BYPASS_TOKEN in the environment or environment/.env overrides --bypass: the token above is the one that works.`) + '\n')
      }
      if (bypass !== undefined && inEnv) ctx.stdout.write('The token is kept in environment/.env (MAINTENANCE_BYPASS_TOKEN), not in settings.ini.\n')
      else if (bypass !== undefined) ctx.stdout.write('Note: the token is in environment/settings.ini, a tracked file; --env keeps it in environment/.env instead.\n')
    }
    ctx.stdout.write('Turn it off with: npx pionia maintenance:off\n')
    return 0
  },
})
