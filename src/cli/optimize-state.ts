/**
 * What `optimize --production` changed, so `optimize:clear` can undo it: the compiled entry and the
 * `server.command` it replaced in the rr config (rewritten with the yaml Document API, which keeps
 * the file's comments and layout).
 * @module
 */
import { readFileSync, writeFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { parseDocument } from 'yaml'

export interface OptimizeState {
  entry: string
  outfile: string
  /** Every compiled file (removed by optimize:clear). */
  outputs?: string[]
  config: string
  previousCommand: unknown
  builtAt: string
}

export const stateFile = (root: string): string => join(root, 'dist', '.pionia-optimize.json')

export function readState(root: string): OptimizeState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(root), 'utf8')) as OptimizeState
  } catch {
    return undefined
  }
}

/** Sets `server.command` in the rr config; returns the previous value. */
export function setServerCommand(configPath: string, command: unknown): unknown {
  const doc = parseDocument(readFileSync(configPath, 'utf8'))
  const previous = doc.getIn(['server', 'command'])
  const prevJs = previous && typeof previous === 'object' && 'toJSON' in previous ? (previous as { toJSON(): unknown }).toJSON() : previous
  const node = doc.createNode(command)
  if (Array.isArray(command)) (node as { flow?: boolean }).flow = true
  doc.setIn(['server', 'command'], node)
  const tmp = `${configPath}.${process.pid}.tmp`
  writeFileSync(tmp, doc.toString())
  renameSync(tmp, configPath)
  return prevJs
}
