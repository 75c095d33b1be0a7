/**
 * The detached rr log with a size cap: lines are appended, and once the file reached the cap it is
 * rotated between two lines (log → log.1 → log.2 → log.3, the oldest dropped) and a new file is
 * started. `runserver:logs` follows across a rotation (a new inode: it drains the old file, then reads
 * the new one from its start), so no line is lost or cut in two.
 * @module
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs'

/** The log is rotated once it has reached this size (PIONIA_LOG_MAX_BYTES). */
export const DEFAULT_LOG_MAX_BYTES = 20 * 1024 * 1024
/** Rotated generations kept: roadrunner.log.1 (newest) .. .3. */
export const LOG_GENERATIONS = 3

/** PIONIA_LOG_MAX_BYTES as a positive whole number, else the default. */
export function logMaxBytes(env: NodeJS.ProcessEnv): number {
  const n = Number(env.PIONIA_LOG_MAX_BYTES)
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_LOG_MAX_BYTES
}

/**
 * Rotates `log` when it has reached `maxBytes`: log.2 → log.3 (the oldest goes), log.1 → log.2,
 * log → log.1. Returns the path it moved the log to, or undefined when it was small enough.
 */
export function rotateLog(log: string, maxBytes: number): string | undefined {
  let size: number
  try {
    size = statSync(log).size
  } catch {
    return undefined
  }
  if (size < maxBytes) return undefined
  rmSync(`${log}.${LOG_GENERATIONS}`, { force: true })
  for (let i = LOG_GENERATIONS - 1; i >= 1; i--) if (existsSync(`${log}.${i}`)) renameSync(`${log}.${i}`, `${log}.${i + 1}`)
  renameSync(log, `${log}.1`)
  return `${log}.1`
}

/** A log file that rotates itself once it reached `maxBytes`, only ever between whole lines. */
export class RotatingLog {
  readonly path: string
  readonly maxBytes: number
  #fd: number
  #size: number
  /** Bytes that could not be written (disk full, say), reported in the file once writing works again. */
  #lost = 0
  #lostWhy = ''

  constructor(path: string, maxBytes: number) {
    this.path = path
    this.maxBytes = maxBytes
    rotateLog(path, maxBytes)
    this.#fd = openSync(path, 'a+')
    this.#size = fstatSync(this.#fd).size
    // A previous run's last words (an error without a newline) must not run into this run's first line.
    if (this.#size > 0) {
      const last = Buffer.alloc(1)
      readSync(this.#fd, last, 0, 1, this.#size - 1)
      if (last[0] !== 0x0a) this.#size += writeSync(this.#fd, '\n')
    }
  }

  /** Appends `lines` (whole lines, each ending in a newline), then rotates if the cap is reached. */
  write(lines: Buffer | string): void {
    try {
      if (this.#lost) {
        this.#size += writeSync(this.#fd, `[pionia] ${this.#lost} bytes of rr's output could not be written to this log (${this.#lostWhy}).\n`)
        this.#lost = 0
      }
      this.#size += typeof lines === 'string' ? writeSync(this.#fd, lines) : writeSync(this.#fd, lines)
    } catch (err) {
      // Never stop reading rr's output (rr would block on a full pipe): count what is dropped.
      this.#lost += Buffer.byteLength(lines)
      this.#lostWhy = (err as Error).message
    }
    if (this.#size >= this.maxBytes) this.rotate()
  }

  /** Moves the file to .1 (and older ones along) and starts a new one; keeps the old file on failure. */
  rotate(): void {
    try {
      rotateLog(this.path, 0)
      const fd = openSync(this.path, 'a+')
      closeSync(this.#fd)
      this.#fd = fd
      this.#size = 0
    } catch (err) {
      // Could not rename or reopen (permissions, say): keep appending to the file we have, and
      // try again after another maxBytes.
      this.#size = 0
      try {
        writeSync(this.#fd, `[pionia] could not rotate ${this.path}: ${(err as Error).message}\n`)
      } catch {
        // nothing more to do
      }
    }
  }

  close(): void {
    closeSync(this.#fd)
  }
}

/**
 * Splits one output stream into whole lines for a RotatingLog: `push` returns everything up to the
 * last newline and keeps the rest; a partial line is let through once it passes `maxPartial` so a
 * runaway line cannot grow without bound.
 */
export class LineCutter {
  #rest: Buffer = Buffer.alloc(0)
  readonly #maxPartial: number

  constructor(maxPartial = 4 * 1024 * 1024) {
    this.#maxPartial = maxPartial
  }

  push(chunk: Buffer): Buffer | undefined {
    const nl = chunk.lastIndexOf(0x0a)
    if (nl < 0) {
      this.#rest = this.#rest.length ? Buffer.concat([this.#rest, chunk]) : chunk
      if (this.#rest.length < this.#maxPartial) return undefined
      return this.end()
    }
    const whole = this.#rest.length ? Buffer.concat([this.#rest, chunk.subarray(0, nl + 1)]) : chunk.subarray(0, nl + 1)
    this.#rest = chunk.subarray(nl + 1)
    return whole
  }

  /** What is left (a last line without its newline), with a newline added; undefined when nothing is. */
  end(): Buffer | undefined {
    if (!this.#rest.length) return undefined
    const out = Buffer.concat([this.#rest, Buffer.from('\n')])
    this.#rest = Buffer.alloc(0)
    return out
  }
}
