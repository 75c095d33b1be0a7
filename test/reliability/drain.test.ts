/**
 * SIGTERM under load through the real rr + DeskFlow: rr stops its plugins in parallel (endure), so the
 * KV storage behind Moonlight's cache() goes away while the http workers still finish their requests.
 * A create whose INSERT committed must not be answered 500 because its cache flush failed.
 */
import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { startDeskflow } from './stack.js'

const CLIENTS = 12

describe('SIGTERM drain under load', () => {
  it('0 answered-500 for committed creates; every 2xx create is in the database', async () => {
    const stack = await startDeskflow({ workers: 2 })
    const auth = await stack.login()
    const outcomes: { title: string; status: number | 'error' }[] = []
    let stopping = false
    let n = 0
    const client = async (c: number) => {
      for (;;) {
        const title = `drain ${c}-${n++}`
        try {
          const res = await fetch(`${stack.base}/api/v1/`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...auth },
            body: JSON.stringify({ service: 'task', action: 'create', title }),
            signal: AbortSignal.timeout(60_000),
          })
          await res.arrayBuffer()
          outcomes.push({ title, status: res.status })
        } catch {
          outcomes.push({ title, status: 'error' })
          if (stopping) return // rr closed its listener
        }
      }
    }
    const load = Array.from({ length: CLIENTS }, (_, c) => client(c))
    // Stop once the load runs steadily.
    while (outcomes.filter((o) => o.status === 200).length < 150) await new Promise((r) => setTimeout(r, 20))
    const exited = new Promise<number | null>((r) => stack.rr.process.once('exit', (code) => r(code)))
    stopping = true
    stack.rr.process.kill('SIGTERM')
    const code = await exited
    await Promise.all(load)
    const db = new Database(join(stack.project.root, 'database.sqlite3'), { readonly: true })
    const rows = new Set((db.prepare("SELECT title FROM tasks WHERE title LIKE 'drain %'").all() as { title: string }[]).map((r) => r.title))
    db.close()
    const output = stack.rr.output()
    await stack.stop()

    const ok = outcomes.filter((o) => o.status === 200)
    const failed = outcomes.filter((o) => typeof o.status === 'number' && o.status >= 500)
    const committed500 = failed.filter((o) => rows.has(o.title))
    const figures = {
      sent: outcomes.length,
      ok: ok.length,
      answered5xx: failed.length,
      committed500: committed500.length,
      connectionErrors: outcomes.filter((o) => o.status === 'error').length,
      rows: rows.size,
      exit: code,
    }
    console.log(`drain figures: ${JSON.stringify(figures)}`)
    expect(committed500, `${JSON.stringify(figures)}\n${output.split('\n').filter((l) => /KvError|cache .* skipped|ERROR/.test(l)).slice(0, 10).join('\n')}`).toEqual([])
    for (const o of ok) expect(rows.has(o.title), o.title).toBe(true)
    expect(rows.size, 'rows beyond the answered 2xx: a committed create was cut off').toBe(ok.length)
    expect(code).toBe(0)
  }, 120_000)
})
