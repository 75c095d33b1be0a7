/**
 * The outbox: what closes the last gap of memory pipelines. The in-flight journal (journal.ts)
 * covers a job whose handler started; it cannot cover a job rr was still delivering when the worker
 * died: rr writes the frame to a worker that is already dead (or that dies before reading it), gets
 * a pipe error, and calls the job's plain `Nack()` (jobs@v5.1.9 listener.go), which the memory
 * driver turns into a drop (memory@v5.2.9 memoryjobs/item.go). No process but rr ever held that
 * job, and rr forgot it.
 *
 * So the producer keeps a copy: before a push to a memory pipeline it writes the job to
 * `<dir>/<id>.out`; the consumer removes that file once the handler has finished (before answering:
 * from there on the in-flight journal covers the job). A file left over is a job rr may have
 * dropped; {@link sweepOutbox} pushes it again, same id, but only when rr reports that pipeline idle
 * (nothing queued, in flight or delayed), so a job still waiting in rr is never taken for a lost
 * one. At-least-once: a consumer killed between removing the file and answering, or a push that
 * took longer than a second, can run twice.
 *
 * The threat is a dead process, not a dead machine: files, no fsync. One small file write per push
 * and one unlink per job.
 * @module
 */
import { mkdirSync, opendirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { HeaderValues } from './responses.js'
import { startTime } from './journal.js'

/** One job as the producer pushed it. */
export interface OutboxEntry {
  id: string
  job: string
  pipeline: string
  headers: HeaderValues
  /** base64 */
  payload: string
  /** The rr process the producer ran under (`pid:start`), when it ran under rr. */
  rr?: string
}

let rrKey: string | undefined
/**
 * Which rr this process runs under: its parent (rr starts every worker), as `pid:start time`.
 * undefined outside rr. A memory pipeline's jobs die with rr, so an entry written under another rr
 * process is not pushed again.
 */
export function currentRr(): string | undefined {
  if (rrKey === undefined) rrKey = process.env.RR_RELAY ? `${process.ppid}:${startTime(process.ppid)}` : ''
  return rrKey || undefined
}

/** The outbox directory for one rr instance (keyed by its RPC address, `tcp://` or not). */
export function defaultOutboxDir(rpcAddress: string): string {
  return join(tmpdir(), 'pionia-jobs-outbox', rpcAddress.replace(/^tcp:\/\//, '').replace(/[^A-Za-z0-9.-]+/g, '_'))
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

const fileOf = (dir: string, id: string): string => join(dir, `${encodeURIComponent(id)}.out`)

/** Records a job about to be pushed. */
export function outboxAdd(dir: string, entry: OutboxEntry): void {
  const file = fileOf(dir, entry.id)
  const rr = currentRr()
  const e = rr ? { ...entry, rr } : entry
  try {
    writeFileSync(file, JSON.stringify(e))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    mkdirSync(dir, { recursive: true })
    writeFileSync(file, JSON.stringify(e))
  }
}

/** The job's handler finished (or its push failed): nothing to push again. No file is fine. */
export function outboxRemove(dir: string, id: string): void {
  try {
    unlinkSync(fileOf(dir, id))
  } catch {
    /* not pushed through an outbox, or already removed */
  }
}

/** True when the outbox holds no entry (or does not exist): reads one directory entry at most. */
export function outboxEmpty(dir: string): boolean {
  let d: ReturnType<typeof opendirSync> | undefined
  try {
    d = opendirSync(dir)
    return d.readSync() === null
  } catch {
    return true
  } finally {
    d?.closeSync()
  }
}

/**
 * The entries written before `before` (ms since epoch) for `pipelines`, to be pushed again. Entries
 * written under an earlier rr process are removed instead (`dropped` gets them): their jobs died
 * with that rr, as every memory-pipeline job does. Each is
 * rewritten first (fresh mtime, so the next sweep waits for this push), under an atomic rename so
 * that two sweeping consumers never take the same entry.
 */
export function takeStale(dir: string, pipelines: ReadonlySet<string>, before: number, dropped?: (e: OutboxEntry) => void): OutboxEntry[] {
  const rr = currentRr()
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  const out: OutboxEntry[] = []
  for (const name of names) {
    const orphan = /^(.+\.out)\.sweep-(\d+)$/.exec(name)
    if (orphan) {
      // a sweeper died holding this entry: put it back
      if (!alive(Number(orphan[2]))) {
        try {
          renameSync(join(dir, name), join(dir, orphan[1]!))
        } catch {
          /* taken */
        }
      }
      continue
    }
    if (!name.endsWith('.out')) continue
    const file = join(dir, name)
    const claimed = `${file}.sweep-${process.pid}`
    try {
      if (statSync(file).mtimeMs >= before) continue
      renameSync(file, claimed) // atomic: one sweeper wins
    } catch {
      continue // the job finished meanwhile, or another consumer took it
    }
    try {
      const entry = JSON.parse(readFileSync(claimed, 'utf8')) as OutboxEntry
      // checked again on the claimed file: another sweeper may have rewritten it just before
      if (entry.rr && rr && entry.rr !== rr) {
        dropped?.(entry)
      } else if (pipelines.has(entry.pipeline) && statSync(claimed).mtimeMs < before) {
        writeFileSync(file, JSON.stringify(entry))
        out.push(entry)
      } else {
        renameSync(claimed, file)
        continue
      }
    } catch {
      /* unreadable: dropped below */
    }
    try {
      unlinkSync(claimed)
    } catch {
      /* gone */
    }
  }
  return out
}
