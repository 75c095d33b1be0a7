/**
 * `pionia stopserver`: stops the rr instance this project recorded (`.pid` / `.rr.runtime.json`),
 * never a process it did not start: `rr stop` first, then SIGTERM to the recorded pid. When rr ignores
 * the stop (a request that never finishes), it escalates after the timeout: a second SIGTERM (rr's
 * "exit forced"), then SIGKILL to rr's process group, then the workers rr left behind; it says what
 * it did. A foreign listener on the port only gets a warning.
 * @module
 */
import { execFile } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { defineCommand, type CommandContext } from '../command.js'
import { str } from '../util/args.js'
import { projectPaths, readRrConfig, type ProjectPaths } from '../project.js'
import { readRuntime, recordedInstance } from '../rr/process.js'
import { accepts } from '../util/ports.js'
import { descendants, isAlive, killGroup, killRecorded, sleep } from '../rr/pids.js'
import { painter, useColor } from '../util/color.js'
import { resolveOrFail } from './runserver.js'


/** endure.grace_period of the config in seconds (rr's default 30). */
function gracePeriodSeconds(paths: ProjectPaths): number {
  try {
    const raw = (readRrConfig(paths).endure as { grace_period?: unknown } | undefined)?.grace_period
    if (typeof raw === 'number') return raw / 1e9 // a bare number is Go nanoseconds
    const m = typeof raw === 'string' ? /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(raw.trim()) : null
    if (m) return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] as 'ms' | 's' | 'm' | 'h']
  } catch {
    // no or unreadable config: rr's default
  }
  return 30
}

function rrStop(paths: ProjectPaths, force: boolean, ctx: CommandContext): Promise<boolean> {
  if (!existsSync(paths.binary)) return Promise.resolve(false)
  const args = ['-w', paths.configDir, 'stop', '-c', paths.config, ...(force ? ['-f'] : [])]
  return new Promise((res) => {
    execFile(paths.binary, args, { cwd: paths.configDir, timeout: 10_000 }, (err, stdout, stderr) => {
      // rr stop's own failures (e.g. a signal race) are not fatal: the pid is signalled below.
      const out = `${stdout ?? ''}${stderr ?? ''}`.trim()
      if (out) ctx.stdout.write(`${out}\n`)
      res(!err)
    })
  })
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true
    await sleep(100)
  }
  return !isAlive(pid)
}

export default defineCommand({
  name: 'stopserver',
  aliases: ['roadrunner:stop', 'rr:stop'],
  summary: 'Stop the RoadRunner instance started by runserver',
  usage: `Usage: npx pionia stopserver [options]

Stops the rr instance recorded in .pid / .rr.runtime.json (next to .rr.yaml): rr stop, then SIGTERM,
waiting for a graceful worker shutdown. Processes pionia did not start are never killed, even when
they listen on the app's port.

Options:
  --config=<path>   rr config (default .rr.yaml)
  --port=<n>        port to report on (default: the resolved listen port)
  -f, --force       kill rr's process group at once if it does not stop in time (without it: a second
                    SIGTERM first, then SIGKILL to rr's process group after 5 more seconds)
  --timeout=<s>     seconds to wait for a graceful stop (default: endure.grace_period of the config
                    + 5, i.e. 35 when unset; rr's jobs plugin uses the whole grace period)
`,
  options: {
    config: { type: 'string' },
    port: { type: 'string' },
    force: { type: 'boolean', short: 'f' },
    timeout: { type: 'string' },
  },
  async run({ values }, ctx) {
    const paint = painter(useColor(ctx.stdout, ctx.env))
    const paths = projectPaths(ctx.cwd, { config: str(values.config) })
    const force = Boolean(values.force)
    const timeoutMs = Math.max(1, Number(str(values.timeout) ?? gracePeriodSeconds(paths) + 5)) * 1000
    const runtime = readRuntime(paths)
    const ports = new Set<number>()
    const hosts = new Map<number, string>()
    try {
      const addr = resolveOrFail(paths, ctx, values)
      ports.add(addr.port)
      hosts.set(addr.port, addr.host)
    } catch {
      // an unreadable config only limits the port report
    }
    if (runtime?.port) {
      ports.add(runtime.port)
      hosts.set(runtime.port, runtime.host)
    }
    const foreignWarning = async (): Promise<void> => {
      for (const port of ports) {
        if (await accepts(hosts.get(port) ?? '127.0.0.1', port)) {
          ctx.stdout.write(paint('yellow', `Port ${port} is in use by a process pionia did not start; it was left running.`) + '\n')
        }
      }
    }

    const pid = recordedInstance(paths)
    if (pid === undefined) {
      const stale = existsSync(paths.pidFile) || existsSync(paths.runtimeFile)
      rmSync(paths.pidFile, { force: true })
      rmSync(paths.runtimeFile, { force: true })
      if (stale) ctx.stdout.write(`Removed stale ${paths.pidFile} / ${paths.runtimeFile}.\n`)
      ctx.stdout.write(paint('yellow', 'No running RoadRunner instance found.') + '\n')
      await foreignWarning()
      return 0
    }

    ctx.stdout.write(`Stopping RoadRunner (pid ${pid}), waiting up to ${timeoutMs / 1000}s for a graceful stop...\n`)
    // rr's workers live in their own process groups: remember them now to end any rr leaves behind.
    const workers = descendants(pid)
    const pgid = runtime?.pgid ?? pid
    // One SIGTERM only: rr treats a second stop signal as "exit forced" (exit 1, in-flight requests cut).
    const signalled = existsSync(paths.pidFile) && (await rrStop(paths, force, ctx))
    if (!signalled && isAlive(pid)) process.kill(pid, 'SIGTERM')
    let gone = await waitGone(pid, timeoutMs)
    let forced = false
    if (!gone) {
      // rr ignores the stop while a request never finishes (no http.pool.supervisor.exec_ttl): escalate.
      forced = true
      ctx.stdout.write(paint('yellow', `RoadRunner (pid ${pid}) did not stop within ${timeoutMs / 1000}s (a request that never finishes keeps it running; set http.pool.supervisor.exec_ttl in .rr.yaml).`) + '\n')
      if (!force) {
        ctx.stdout.write('  Sent a second SIGTERM (rr: "exit forced", in-flight requests are cut).\n')
        if (isAlive(pid)) process.kill(pid, 'SIGTERM')
        gone = await waitGone(pid, 5000)
      }
      if (!gone) {
        killGroup(pgid, 'SIGKILL')
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // already gone
        }
        ctx.stdout.write(`  Sent SIGKILL to rr's process group ${pgid}.\n`)
        gone = await waitGone(pid, 3000)
      }
    }
    if (!gone) {
      ctx.stderr.write(paint('red', `RoadRunner (pid ${pid}) is still running after SIGKILL; check it with: ps -o pid,stat,cmd -p ${pid}`) + '\n')
      return 1
    }
    // Anything left in rr's own group goes too, and workers rr left behind (each in its own group).
    killGroup(pgid, 'SIGKILL')
    const leftovers = killRecorded(workers)
    if (leftovers.length) ctx.stdout.write(paint('yellow', `  Killed ${leftovers.length} worker process(es) rr left behind: ${leftovers.join(', ')}.`) + '\n')
    if (forced) ctx.stdout.write(paint('yellow', `RoadRunner stopped (forced after ${timeoutMs / 1000}s).`) + '\n')
    rmSync(paths.pidFile, { force: true })
    rmSync(paths.runtimeFile, { force: true })
    ctx.stdout.write(paint('green', 'RoadRunner stopped.') + '\n')
    await foreignWarning()
    return 0
  },
})
