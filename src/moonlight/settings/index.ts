/**
 * What Moonlight reads from the project settings: the live per-request snapshot, the app flags and `[jobs]`.
 * @module
 */
export { SettingsSnapshot, LiveSettings, derived, RECHECK_MS } from './snapshot.js'
export { debugFlag, apiBaseOf, classicStatusOf } from './flags.js'
export { jobsConfig, jobsGateOpen, type JobsConfig, type JobQueue } from './jobs.js'
export { rrRpcAddress } from './rpc.js'
