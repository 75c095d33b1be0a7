/**
 * No job is lost: 5,000 jobs whose handler records its id in the database, 10% of first attempts
 * throw, and one of the two consumer processes is killed with SIGKILL mid-run. Afterwards every id
 * is recorded; duplicates (at-least-once) are counted and reported. Run on memory and on AMQP.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { informer } from '../../src/rpc/index.js'
import { requireService, SERVICES } from '../helpers/services.js'
import { alive } from '../helpers/process.js'
import { startJobsRig, type JobsRig } from './harness.js'

const TOTAL = 5000
let rig: JobsRig | undefined

afterEach(async () => {
  await rig?.stop()
  rig = undefined
})


/**
 * Pushes TOTAL `record` jobs; job number VICTIM_AT is a long one, and the consumer running it is
 * killed with SIGKILL while it runs (a crash mid-job, as OOM or a segfault would be), with the
 * other consumer busy and thousands of jobs still to go.
 */
async function noLossRun(r: JobsRig, pipeline: string): Promise<{ duplicates: number; missing: number; doneAtKill: number }> {
  await r.until('two consumer workers', async () => (await informer(r.rpc).workers('jobs')).length === 2)
  const VICTIM_AT = 1701
  const pushed: string[] = []
  const count = () => (r.db.prepare('SELECT count(DISTINCT id) AS n FROM done').get() as { n: number }).n
  const pushing = (async () => {
    for (let i = 0; i < TOTAL; i += 500) {
      // the long job goes in once a thousand jobs are done, so the kill lands mid-run
      if (i <= VICTIM_AT && VICTIM_AT < i + 500) await r.until('1,000 jobs done', () => count() >= 1000, 60_000)
      const batch = Array.from({ length: 500 }, (_, k) => {
        const n = i + k
        // priority 1 (the rest inherit 10): rr's queue is a heap, equal priorities come out in no set
        // order, so without it the long job could start when nearly everything is done
        if (n === VICTIM_AT) return { name: 'record', pipeline, priority: 1, payload: { n, slowMs: 60_000 } }
        return { name: 'record', pipeline, payload: { n, throw: n % 10 === 0 } }
      })
      pushed.push(...(await r.queue.pushBatch(batch)))
    }
  })()
  const victim = await r.until('the long job to start', () => (r.db.prepare('SELECT pid FROM started LIMIT 1').get() as { pid: number } | undefined)?.pid, 60_000)
  const doneAtKill = count()
  process.kill(victim, 'SIGKILL')
  await r.until('the killed consumer to be gone', () => !alive(victim))
  await pushing
  await r.until(`all ${TOTAL} ids recorded`, () => count() >= TOTAL, 120_000).catch(() => undefined)
  // Let redeliveries in flight land before counting duplicates.
  await new Promise((res) => setTimeout(res, 1000))
  const rows = r.db.prepare('SELECT id FROM done').all() as { id: string }[]
  const recorded = new Set(rows.map((x) => x.id))
  const missing = pushed.filter((id) => !recorded.has(id)).length
  const duplicates = rows.length - recorded.size
  process.stderr.write(
    `[no-loss ${pipeline}] pushed=${pushed.length} recorded=${recorded.size} duplicates=${duplicates} missing=${missing} ` +
      `(consumer ${victim} killed mid-job with ${doneAtKill} done)\n`,
  )
  expect(doneAtKill).toBeGreaterThanOrEqual(1000)
  expect(doneAtKill).toBeLessThan(TOTAL - 1000)
  expect(new Set(pushed).size).toBe(TOTAL)
  // the killed job itself was finished by the other consumer
  const slowId = pushed[VICTIM_AT]!
  expect(recorded.has(slowId)).toBe(true)
  return { duplicates, missing, doneAtKill }
}

describe('no job is lost when a consumer is killed mid-run', () => {
  it('memory driver', async () => {
    rig = await startJobsRig({
      numWorkers: 2,
      pipelines: { loss: { driver: 'memory', config: { prefetch: 10000 } } },
    })
    const { missing } = await noLossRun(rig, 'loss')
    expect(missing).toBe(0)
    // 10% of first attempts threw and were retried by the consumer
    await rig.rr.waitForOutput(/outcome=requeue duration=[\d.]+ms attempt=1 error="planned first-attempt failure"/)
  }, 240_000)

  it('amqp driver (RabbitMQ, requeue_on_fail)', async () => {
    await requireService('rabbitmq')
    const name = `pionia-loss-${randomBytes(4).toString('hex')}`
    rig = await startJobsRig({
      numWorkers: 2,
      extra: { amqp: { addr: SERVICES.rabbitmq.url } },
      pipelines: {
        loss: {
          driver: 'amqp',
          config: { queue: name, routing_key: name, exchange: `${name}-x`, exchange_type: 'direct', prefetch: 100, requeue_on_fail: true, delete_queue_on_stop: true },
        },
      },
    })
    const { missing } = await noLossRun(rig, 'loss')
    expect(missing).toBe(0)
  }, 240_000)

  it('memory: a job whose consumer dies mid-job is pushed again by the next consumer, same id, attempt 2', async () => {
    rig = await startJobsRig({ numWorkers: 1, pipelines: { one: { driver: 'memory', config: { priority: 10 } } } })
    const id = await rig.queue.push('sleep', { ms: 30_000 }, { pipeline: 'one' })
    const [first] = await rig.until('the long job to start', () => rig!.deliveries('id = ?', id)[0] && rig!.deliveries('id = ?', id))
    expect(existsSync(`${rig.journalDir}/${first!.pid}.job`)).toBe(true)
    process.kill(first!.pid, 'SIGKILL')
    const ds = await rig.until('the job on a new consumer', () => {
      const d = rig!.deliveries('id = ?', id)
      return d.length >= 2 ? d : null
    })
    expect(ds[1]!.pid).not.toBe(first!.pid)
    expect(ds[1]!.attempt).toBe(2)
    expect(JSON.parse(ds[1]!.payload)).toEqual({ ms: 30_000 })
    await rig.rr.waitForOutput(new RegExp(`jobs: id=${id} job=sleep pipeline=one outcome=recovered \\(consumer pid ${first!.pid} died mid-job`))
  }, 120_000)
})
