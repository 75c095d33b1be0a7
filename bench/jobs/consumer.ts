/**
 * The benchmark's consumer: acks every job (the SDK's per-job log line included). With
 * BENCH_JOURNAL=0 the in-flight journal is off, to show its cost.
 */
import { consumeJobs } from '../../src/jobs/index.js'

await consumeJobs(() => {}, { recoverInFlight: process.env.BENCH_JOURNAL !== '0' })
