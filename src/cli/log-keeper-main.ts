/**
 * The process between a detached rr and its log (started by `runserver --detach`): it starts rr
 * with its output on pipes and appends that output to the log in whole lines, rotating the file
 * once it reached PIONIA_LOG_MAX_BYTES, so a long run is capped too (rr itself would write to one
 * file forever). It ignores terminal signals (rr is stopped by pid, as before) and exits with rr's
 * exit code once rr's output has ended.
 *
 * Configured by PIONIA_LOG_KEEPER (JSON, see LogKeeperConfig), which rr does not inherit.
 * @module
 */
import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import { LineCutter, RotatingLog } from './rr/rotating-log.js'
import type { LogKeeperConfig } from './rr/process.js'

const config = JSON.parse(process.env.PIONIA_LOG_KEEPER ?? '{}') as LogKeeperConfig
const env = { ...process.env }
delete env.PIONIA_LOG_KEEPER

// Killing this process would leave rr writing into a closed pipe (a Go program exits on that), so
// a stray SIGTERM/SIGINT/SIGHUP is ignored: stopserver stops rr, and this process follows.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => {})

const log = new RotatingLog(config.log, config.maxBytes)
const child = spawn(config.binary, config.args, { cwd: config.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
let failed: Error | undefined
child.once('error', (err) => (failed = err))
for (const stream of [child.stdout!, child.stderr!]) {
  const cut = new LineCutter()
  stream.on('data', (chunk: Buffer) => {
    const lines = cut.push(chunk)
    if (lines) log.write(lines)
  })
  stream.once('end', () => {
    const rest = cut.end()
    if (rest) log.write(rest)
  })
}
child.once('close', (code, signal) => {
  if (failed) log.write(`[pionia] could not start ${config.binary}: ${failed.message}\n`)
  log.close()
  process.exit(failed ? 127 : (code ?? 128 + (signal ? constants.signals[signal] : 0)))
})
