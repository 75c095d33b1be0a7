/**
 * What `optimize` wrote, so `optimize:clear` undoes exactly that: a manifest in the project
 * (`.pionia/optimize.json`) listing every compiled file, and, after `--production`, the
 * `server.command` text and the comment above it that it replaced in the rr config. The config is
 * edited as text (only that value and its comment change), so the rest of the file stays byte for byte.
 * @module
 */
import { mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isMap, isScalar, parseDocument, type Node } from 'yaml'
import { CliError } from './command.js'

export interface OptimizeState {
  entry: string
  outfile: string
  outdir: string
  /** Every file optimize wrote (removed by optimize:clear, and nothing else). */
  outputs: string[]
  /** Set by --production: the rr config and what was there before. */
  config?: string
  /** The source text of the replaced `server.command` value. */
  previousCommandText?: string
  /** The comment lines above `command:` it replaced (without newline at the end), '' for none. */
  previousComment?: string
  builtAt: string
}

export const stateFile = (root: string): string => join(root, '.pionia', 'optimize.json')

export function readState(root: string): OptimizeState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(root), 'utf8')) as OptimizeState
  } catch {
    return undefined
  }
}

export function writeState(root: string, state: OptimizeState): void {
  mkdirSync(dirname(stateFile(root)), { recursive: true })
  writeAtomic(stateFile(root), JSON.stringify(state, null, 2) + '\n')
}

/** The folder of this package's own build (dist/ beside its package.json): optimize never writes there. */
export function ownBuildDir(): string {
  // dist/src/cli/optimize-state.js when built; src/cli/optimize-state.ts when run from the sources
  return fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../' : '../../dist/', import.meta.url)).replace(/\/$/, '')
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, text)
  renameSync(tmp, path)
}

/** A one-line flow list in the style users write (`["node", "x.js"]`). */
export function flowList(items: string[]): string {
  return `[${items.map((s) => JSON.stringify(s)).join(', ')}]`
}

interface CommandSpot {
  text: string
  start: number
  end: number
  /** Offset of the first comment line directly above `command:` (or of the key's line when none). */
  commentStart: number
  /** Offset of the start of the `command:` line. */
  keyLine: number
}

function findCommand(configPath: string, text: string): CommandSpot {
  const doc = parseDocument(text)
  const server = doc.get('server', true)
  const value = isMap(server) ? (server.get('command', true) as Node | undefined) : undefined
  const pair = isMap(server) ? server.items.find((p) => isScalar(p.key) && p.key.value === 'command') : undefined
  const keyNode = pair?.key as Node | undefined
  if (!value?.range || !keyNode?.range) {
    throw new CliError('RR_ERR_NO_CONFIG', `${configPath} has no server.command to switch: add one (e.g. command: ["node", "--import", "tsx", "worker.ts"]) or run npx pionia rr:setup in a fresh folder.`)
  }
  const keyLine = text.lastIndexOf('\n', keyNode.range[0] - 1) + 1
  const indent = text.slice(keyLine, keyNode.range[0])
  let commentStart = keyLine
  while (commentStart > 0) {
    const prev = text.lastIndexOf('\n', commentStart - 2) + 1
    const line = text.slice(prev, commentStart - 1)
    if (!line.startsWith(`${indent}#`)) break
    commentStart = prev
  }
  return { text: text.slice(value.range[0], value.range[1]), start: value.range[0], end: value.range[1], commentStart, keyLine }
}

/**
 * Sets `server.command` (as `commandText`) and the comment above it (`comment`: `# …` lines without
 * the indent, '' for none) by editing only those spans of the file. Returns what was there.
 */
export function setServerCommand(configPath: string, commandText: string, comment: string | undefined): { commandText: string; comment: string } {
  const text = readFileSync(configPath, 'utf8')
  const spot = findCommand(configPath, text)
  const indent = /^[ \t]*/.exec(text.slice(spot.keyLine))![0]
  const oldComment = text.slice(spot.commentStart, spot.keyLine)
  const newComment = comment === undefined ? oldComment : comment === '' ? '' : comment.split('\n').map((l) => `${indent}${l}\n`).join('')
  const out = text.slice(0, spot.commentStart) + newComment + text.slice(spot.keyLine, spot.start) + commandText + text.slice(spot.end)
  writeAtomic(configPath, out)
  const plain = oldComment === '' ? '' : oldComment.slice(0, -1).split('\n').map((l) => l.slice(indent.length)).join('\n')
  return { commandText: spot.text, comment: plain }
}
