/**
 * `pionia maintenance:on` (alias `down`): turns on the 503 maintenance gate by writing
 * `[maintenance]` in environment/settings.ini; running workers pick it up on their next request.
 * @module
 */
import { join } from 'node:path'
import { CliError, defineCommand } from '../command.js'
import { str } from '../_args.js'
import { updateIniFile } from '../ini-edit.js'
import { painter, useColor } from '../_color.js'


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
`,
  options: {
    message: { type: 'string', short: 'm' },
    'retry-after': { type: 'string' },
    bypass: { type: 'string', short: 's' },
    secret: { type: 'string' },
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
    if (bypass !== undefined) updates.BYPASS_TOKEN = bypass
    const path = join(ctx.cwd, 'environment', 'settings.ini')
    await updateIniFile(path, 'maintenance', updates)
    ctx.stdout.write(paint('yellow', 'Application is now in maintenance mode.') + '\n')
    if (bypass) ctx.stdout.write(`Bypass: send the header X-Maintenance-Bypass: ${bypass} (or ?bypass=${bypass}).\n`)
    ctx.stdout.write('Turn it off with: npx pionia maintenance:off\n')
    return 0
  },
})
