/**
 * Command registry: name → lazy loader, so `pionia --help` and each command load only what they need.
 * main.ts is the only reader. Aliases map to a registered name.
 * @module
 */
import type { Command } from '../command.js'

export const commands: Record<string, () => Promise<{ default: Command }>> = {
  init: () => import('./init.js'),
  'rr:setup': () => import('./rr-setup.js'),
  serve: () => import('./serve.js'),
  runserver: () => import('./runserver.js'),
  'runserver:logs': () => import('./runserver-logs.js'),
  stopserver: () => import('./stopserver.js'),
  status: () => import('./status.js'),
  'maintenance:on': () => import('./maintenance-on.js'),
  'maintenance:off': () => import('./maintenance-off.js'),
  optimize: () => import('./optimize.js'),
  'optimize:clear': () => import('./optimize-clear.js'),
  openapi: () => import('./openapi.js'),
  'grpc:generate': () => import('./grpc-generate.js'),
}

/** alias → registered name (each command file lists the same aliases in its `aliases`). */
export const aliases: Record<string, string> = {
  new: 'init',
  'runserver:setup': 'rr:setup',
  roadrunner: 'runserver',
  'rr:serve': 'runserver',
  'rr:logs': 'runserver:logs',
  'roadrunner:logs': 'runserver:logs',
  'logs:rr': 'runserver:logs',
  'roadrunner:stop': 'stopserver',
  'rr:stop': 'stopserver',
  down: 'maintenance:on',
  up: 'maintenance:off',
}
