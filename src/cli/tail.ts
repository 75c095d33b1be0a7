/**
 * Follows a log file like `tail -F`: new lines as they are appended, and it survives truncation
 * (size < position → from the start), rotation (a new inode → reopen from the start) and deletion
 * (wait until it is recreated). Polls every 200 ms; stops when `signal` aborts.
 * @module
 */
import { closeSync, openSync, readSync, statSync, fstatSync } from 'node:fs'
import { sleep } from './rr/pids.js'

const POLL_MS = 200

/** How much of the file end is read for the first lines (a log line is far shorter). */
const TAIL_WINDOW = 4 * 1024 * 1024

/**
 * The last `n` complete lines of `path`, the offset just after them (where following starts) and a
 * final line still waiting for its newline.
 */
export function tailLines(path: string, n: number): { lines: string[]; offset: number; partial: string } {
  const fd = openSync(path, 'r')
  try {
    const size = fstatSync(fd).size
    const start = Math.max(0, size - TAIL_WINDOW)
    const buf = Buffer.alloc(size - start)
    readSync(fd, buf, 0, buf.length, start)
    const lastNl = buf.lastIndexOf(10)
    const complete = buf.subarray(0, lastNl + 1).toString('utf8')
    const lines = complete.split('\n')
    lines.pop()
    if (start > 0) lines.shift() // the first line of the window may be cut
    return { lines: n > 0 ? lines.slice(-n) : [], offset: start + lastNl + 1, partial: buf.subarray(lastNl + 1).toString('utf8') }
  } finally {
    closeSync(fd)
  }
}

/** Calls `onChunk` with every byte appended to `path` after `offset`, until `signal` aborts. */
export async function follow(path: string, offset: number, onChunk: (chunk: Buffer) => void, signal: AbortSignal): Promise<void> {
  let fd: number | undefined
  let ino: number | undefined
  let pos = offset
  // The first bytes seen of the file: if they change, the file was truncated and written again
  // between two polls (size alone cannot tell when the new content is already longer).
  let head: Buffer | undefined
  const open = (): boolean => {
    try {
      fd = openSync(path, 'r')
      ino = fstatSync(fd).ino
      return true
    } catch {
      fd = undefined
      return false
    }
  }
  const close = (): void => {
    if (fd !== undefined) closeSync(fd)
    fd = undefined
    head = undefined
  }
  open()
  const buf = Buffer.alloc(64 * 1024)
  try {
    while (!signal.aborted) {
      if (fd === undefined) {
        if (!open()) {
          await sleep(POLL_MS)
          continue
        }
        pos = 0 // recreated: read it from the start
      }
      let st
      try {
        st = statSync(path)
      } catch {
        st = undefined // deleted: drain what the old fd still has, then wait for a new file
      }
      if (st && st.ino !== ino) {
        drain()
        close()
        continue // rotated: the next loop opens the new file from the start
      }
      const size = fstatSync(fd!).size
      if (size < pos || rewritten(size)) pos = 0 // truncated (and maybe already refilled past our offset)
      const got = drain()
      if (!st) {
        close()
        continue
      }
      if (got === 0) await sleep(POLL_MS)
    }
  } finally {
    close()
  }

  function rewritten(size: number): boolean {
    if (!head) {
      if (size === 0) return false
      const b = Buffer.alloc(Math.min(64, size))
      head = b.subarray(0, readSync(fd!, b, 0, b.length, 0))
      return false
    }
    if (size < head.length) return false
    const now = Buffer.alloc(head.length)
    readSync(fd!, now, 0, now.length, 0)
    if (now.equals(head)) return false
    head = undefined
    return true
  }

  function drain(): number {
    let total = 0
    for (;;) {
      const n = readSync(fd!, buf, 0, buf.length, pos)
      if (n <= 0) return total
      pos += n
      total += n
      onChunk(Buffer.from(buf.subarray(0, n)))
    }
  }
}
