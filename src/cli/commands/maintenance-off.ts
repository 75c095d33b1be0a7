/**
 * `pionia maintenance:off` (alias `up`): sets `[maintenance] ENABLED = false`.
 * @module
 */
import { join } from 'node:path'
import { defineCommand } from '../command.js'
import { Settings, isTruthy } from '../../config/settings.js'
import { updateIniFile } from '../ini-edit.js'
import { painter, useColor } from '../util/color.js'

export default defineCommand({
  name: 'maintenance:off',
  aliases: ['up'],
  summary: 'Bring the app out of maintenance mode',
  usage: `Usage: npx pionia maintenance:off

Sets [maintenance] ENABLED = false in environment/settings.ini. (MAINTENANCE_MODE in the environment
still wins over the file.)
`,
  options: {},
  async run(_args, ctx) {
    const paint = painter(useColor(ctx.stdout, ctx.env))
    if (!isTruthy(new Settings(ctx.cwd).get('maintenance', 'ENABLED'))) {
      ctx.stdout.write('Application is not in maintenance mode.\n')
      return 0
    }
    await updateIniFile(join(ctx.cwd, 'environment', 'settings.ini'), 'maintenance', { ENABLED: 'false' })
    ctx.stdout.write(paint('green', 'Application is now live (maintenance mode off).') + '\n')
    if (isTruthy(ctx.env.MAINTENANCE_MODE)) {
      ctx.stdout.write(paint('yellow', 'Note: MAINTENANCE_MODE is set in the environment and overrides settings.ini.') + '\n')
    }
    return 0
  },
})
