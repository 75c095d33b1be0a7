/**
 * The soak's worker (scripts/soak.ts only): DeskFlow's worker.ts plus a memory probe, so worker.ts
 * itself carries none. With SOAK_PROBE_DIR set, SIGUSR2 makes the worker:
 *   1. read its memory as it is (rss, heap);
 *   2. force a full, memory-reducing GC (inspector HeapProfiler.collectGarbage = V8's
 *      LowMemoryNotification: it also shrinks the young generation and frees pooled pages) and read again;
 *   3. wait SOAK_SETTLE_MS (default 3000) and do 2. again ("settled");
 *   4. read V8's heap spaces (size reserved vs used: this is what tells V8 sizing from live objects);
 *   5. when the file `snapshot-<pid>` exists in the probe dir, write a heap snapshot (after the
 *      readings, so its own buffers never count in them);
 * then it writes `<pid>-<n>.json` (n = 1, 2, … per signal) into the probe dir for the soak to read.
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Session } from 'node:inspector/promises'
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8'

const dir = process.env.SOAK_PROBE_DIR
const settleMs = Number(process.env.SOAK_SETTLE_MS ?? 3000)

if (dir) {
  const session = new Session()
  session.connect()
  const mem = () => {
    const m = process.memoryUsage()
    return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers }
  }
  const gc = () => session.post('HeapProfiler.collectGarbage')
  let n = 0
  let busy = false
  const probe = async (seq: number) => {
    const raw = mem()
    await gc()
    const afterGc = mem()
    await new Promise((r) => setTimeout(r, settleMs))
    await gc()
    const settled = mem()
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }]))
    const snapshot = existsSync(join(dir, `snapshot-${process.pid}`))
      ? writeHeapSnapshot(join(dir, `${process.pid}-${seq}.heapsnapshot`))
      : null
    const file = join(dir, `${process.pid}-${seq}.json`)
    writeFileSync(`${file}.tmp`, JSON.stringify({ pid: process.pid, seq, raw, afterGc, settled, spaces, snapshot }))
    renameSync(`${file}.tmp`, file)
  }
  process.on('SIGUSR2', () => {
    if (busy) return
    busy = true
    void probe(++n)
      .catch((err: unknown) => process.stderr.write(`soak probe failed: ${(err as Error).stack ?? String(err)}\n`))
      .finally(() => (busy = false))
  })
}

await import('../worker.js')
