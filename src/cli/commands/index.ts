/**
 * Command registry: name → lazy loader. main.ts is the only reader.
 * @module
 */
import type { Command } from '../command.js'

export const commands: Record<string, () => Promise<{ default: Command }>> = {
  // Filled in by each command's owner, e.g.:
  // 'runserver': () => import('./runserver.js'),
}
