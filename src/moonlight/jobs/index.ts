/**
 * Moonlight on rr's jobs: the queue behind `moonlight().async(...)` and the RR_MODE=jobs consumer.
 * @module
 */
export { rrJobQueue, type RrJobQueueOptions } from './queue.js'
export { moonlightJobConsumer, decodeMoonlightJob, MoonlightJobError } from './consumer.js'
