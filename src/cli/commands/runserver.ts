/**
 * `pionia runserver`: runs the real rr for this project, in the foreground (formatted log lines) or
 * detached (`--detach`, log file + `.pid` + `.rr.runtime.json`).
 * @module
 */
import { checkTlsAddresses, listenerLines } from '../rr/listeners.js'
import { existsSync, rmSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { CliError, defineCommand, type CommandContext, type ParsedArgs } from '../command.js'
import { str } from '../util/args.js'
import { AddressError, resolveAddress, type ResolvedAddress } from '../listen-address.js'
import { appName, projectPaths, readRrConfig, requireRr, serverCommand, workerEntry, type ProjectPaths } from '../project.js'
import { lastLines, readPidFile, readRuntime, recordedInstance, rrArgs, rrEnv, runForeground, startDetached, writeRuntime } from '../rr/process.js'
import { probePort } from '../util/ports.js'
import { isAlive, startTime } from '../rr/pids.js'
import { painter, useColor } from '../util/color.js'
import { rpcExposureWarning } from '../rr/rpc-exposure.js'
import { openFilesLimit, openFilesWarning } from '../rr/open-files.js'
import { checkWorkerServes } from '../rr/worker-check.js'
import { explainStartFailure, stripAnsi } from '../rr/failure.js'
import { checkListeners, configListeners, waitReady, withOverrides, type Listener } from '../rr/listener-check.js'


/** Whether `dir` or a parent has node_modules/<name>. */
function hasPackage(dir: string, name: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules', name, 'package.json'))) return true
    if (dirname(d) === d) return false
  }
}

export function resolveOrFail(paths: ProjectPaths, ctx: CommandContext, values: ParsedArgs['values']): ResolvedAddress {
  try {
    return resolveAddress({ cwd: paths.root, env: ctx.env, port: str(values.port), host: str(values.host), rrConfigPath: paths.config })
  } catch (err) {
    if (err instanceof AddressError) throw new CliError(err.code, err.message)
    throw err
  }
}

/** Checks config, worker entry and binary; returns the rr version line. */
async function preconditions(paths: ProjectPaths, worker: string | undefined, env: NodeJS.ProcessEnv): Promise<{ version: string; worker: string; http: boolean }> {
  const config = readRrConfig(paths)
  const cmd = serverCommand(config)
  const entry = worker ? resolve(paths.root, worker) : workerEntry(config, paths.configDir)
  if (!entry) {
    throw new CliError(
      'RR_ERR_NO_WORKER',
      `No worker entry in ${paths.config}: server.command must run your worker, e.g.\n  server:\n    command: "node --import tsx worker.ts"`,
    )
  }
  if (!existsSync(entry)) {
    const compiled = /[\\/]dist[\\/]/.test(entry)
    throw new CliError(
      'RR_ERR_NO_WORKER',
      `Worker entry not found: ${entry}\n` +
        (compiled
          ? 'rr is set to run the compiled worker: build it with npx pionia optimize --production, or go back to the TypeScript loader with npx pionia optimize:clear.'
          : `Create it (see README: a worker.ts calling serve()), or point server.command in ${relative(paths.root, paths.config) || '.rr.yaml'} at your worker.`),
    )
  }
  const loaderAt = cmd.findIndex((a) => a === '--import' || a === '--loader')
  if (loaderAt >= 0 && cmd[loaderAt + 1] === 'tsx' && !hasPackage(paths.configDir, 'tsx')) {
    throw new CliError(
      'RR_ERR_NO_LOADER',
      'The TypeScript loader tsx is not installed, and server.command runs the worker with --import tsx.\n' +
        'Install it with: npm install --save-dev tsx (or compile the worker: npx pionia optimize --production).',
    )
  }
  const version = await requireRr(paths)
  // The entry must serve every section that starts workers (else rr fails with static_pool_allocate_workers: EOF).
  await checkWorkerServes({ command: cmd, cwd: paths.configDir, env: rrEnv(env), config, configName: relative(paths.root, paths.config) || '.rr.yaml', entry, root: paths.root })
  // Without an http section rr serves no HTTP: no address to pass, no port to check.
  return { version, worker: entry, http: config.http !== undefined && config.http !== null }
}

async function checkPort(addr: ResolvedAddress): Promise<void> {
  const state = await probePort(addr.host, addr.port)
  if (state === 'in-use') {
    throw new CliError('RR_ERR_PORT_IN_USE', `Port ${addr.port} is already in use.\nStop the running instance with: npx pionia stopserver (or pick another port: --port=<n>)`)
  }
  if (state === 'not-local') {
    throw new CliError('RR_ERR_BAD_ADDRESS', `Cannot listen on ${addr.address}: ${addr.host} is not an address of this machine.\nUse --host=127.0.0.1 or --host=0.0.0.0.`)
  }
  if (state === 'forbidden') {
    throw new CliError('RR_ERR_PORT_FORBIDDEN', `Not allowed to listen on port ${addr.port} (ports below 1024 need privileges).\nUse a higher port: --port=8000`)
  }
}

function configName(paths: ProjectPaths): string {
  return relative(paths.root, paths.config) || '.rr.yaml'
}

/** rr ended during start: its last log lines, then the cause and fix when known. */
function startFailed(paths: ProjectPaths, ctx: CommandContext, how: string): CliError {
  const tail = lastLines(paths.logFile, 15).map((l) => (useColor(ctx.stderr, ctx.env) ? l : stripAnsi(l)))
  const why = explainStartFailure(tail, configName(paths))
  return new CliError(
    'RR_ERR_START_FAILED',
    `RoadRunner exited during start (${how}).\n` +
      (tail.length ? `Last lines of ${paths.logFile}:\n${tail.map((l) => `  ${l}`).join('\n')}\n` : '') +
      (why ? `${why}\n` : '') +
      `Full log: npx pionia runserver:logs --no-follow`,
  )
}

async function detach(paths: ProjectPaths, addr: ResolvedAddress, http: boolean, listeners: Listener[], args: string[], ctx: CommandContext, name: string): Promise<number> {
  const paint = painter(useColor(ctx.stdout, ctx.env))
  const running = recordedInstance(paths)
  if (running !== undefined) {
    throw new CliError(
      'RR_ERR_ALREADY_RUNNING',
      `RoadRunner already appears to be running (${paths.pidFile} exists, pid ${running}).\nStop it with: npx pionia stopserver`,
    )
  }
  const stale = readPidFile(paths) ?? readRuntime(paths)?.pid
  if (stale !== undefined || existsSync(paths.runtimeFile)) {
    rmSync(paths.pidFile, { force: true })
    rmSync(paths.runtimeFile, { force: true })
    ctx.stdout.write(`Removed stale pid file ${paths.pidFile} (pid ${stale ?? '?'} is not a running RoadRunner).\n`)
  }
  if (http) await checkPort(addr)
  await checkListeners(listeners, configName(paths))
  const started = await startDetached(paths, args, { ...rrEnv(ctx.env), PIONIA_HTTP_ADDRESS: addr.address })
  if (!started.ok) throw startFailed(paths, ctx, `exit code ${started.exitCode ?? 'unknown'}`)
  writeRuntime(paths, {
    http_address: addr.address,
    host: addr.host,
    port: addr.port,
    config: paths.config,
    pid: started.pid,
    pgid: started.pid,
    pid_start: startTime(started.pid),
    log: paths.logFile,
    binary: paths.binary,
    started_at: new Date().toISOString(),
  })
  // Success only once rr is up: status /ready when configured, else the first HTTP answer.
  const ready = await waitReady(
    { status: listeners.find((l) => l.key === 'status.address'), http: http ? addr : undefined, rpc: listeners.find((l) => l.key === 'rpc.listen') },
    () => !isAlive(started.pid),
    60_000,
  )
  if (ready === 'dead') {
    rmSync(paths.pidFile, { force: true })
    rmSync(paths.runtimeFile, { force: true })
    throw startFailed(paths, ctx, 'it stopped before it was ready')
  }
  if (ready === 'timeout') {
    throw new CliError(
      'RR_ERR_NOT_READY',
      `RoadRunner (pid ${started.pid}) is running but not ready after 60 s (no answer on ${http ? `http://${addr.address}` : 'its listeners'}).\n` +
        'Look at its log: npx pionia runserver:logs --no-follow; stop it with: npx pionia stopserver',
    )
  }
  ctx.stdout.write(
    [
      paint('green', `RoadRunner started in background for ${name}`),
      ...listenerLines(readRrConfig(paths), addr, 10),
      `  PID:      ${started.pid}`,
      `  PID file: ${paths.pidFile}`,
      `  Log:      ${paths.logFile}`,
      'Stop with: npx pionia stopserver',
      '',
    ].join('\n'),
  )
  return 0
}

export default defineCommand({
  name: 'runserver',
  aliases: ['roadrunner', 'rr:serve'],
  summary: 'Run RoadRunner (./rr) with this app’s workers; --detach runs it in the background',
  usage: `Usage: npx pionia runserver [options]

Runs the real RoadRunner binary installed by rr:setup (./rr) with .rr.yaml. rr starts and supervises
the Node.js workers (server.command). In the foreground rr's log lines are formatted
(13:18:42  GET     /api/v1/ping  200  1.2 KB    4ms); Ctrl+C stops rr and its workers gracefully.

Options:
  --host=<host[:port]>  listen host (may carry a port)
  --port=<n>            listen port
                        Address order: --port/--host > PORT/SERVER_PORT, HOST (environment, environment/.env)
                        > [roadrunner] then [server] in environment/settings.ini > .rr.yaml http.address
                        > 127.0.0.1:8000. rr gets -o http.address=… only when that differs from .rr.yaml.
  --config=<path>       rr config (default .rr.yaml)
  --worker=<path>       worker entry to check (default: the script in server.command)
  -D, --detach          run in the background; output appended to storage/logs/roadrunner.log
  --log=<path>          log file for --detach
  --raw                 print rr's lines untouched
  -o, --override=<k=v>  extra rr config override, repeatable (e.g. -o rpc.listen=tcp://127.0.0.1:6002)
`,
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    config: { type: 'string' },
    worker: { type: 'string' },
    detach: { type: 'boolean', short: 'D' },
    log: { type: 'string' },
    raw: { type: 'boolean' },
    override: { type: 'string', short: 'o', multiple: true },
  },
  async run({ values }, ctx) {
    const paths = projectPaths(ctx.cwd, { config: str(values.config), log: str(values.log) })
    const { worker, http } = await preconditions(paths, str(values.worker), ctx.env)
    const addr = resolveOrFail(paths, ctx, values)
    const overrides = ((values.override as string[] | undefined) ?? []).map(String)
    for (const o of overrides) {
      if (!/^[A-Za-z0-9_.-]+=/.test(o)) throw new CliError('RR_ERR_BAD_OPTION', `-o expects key=value in dot notation (e.g. -o rpc.listen=tcp://127.0.0.1:6002), got "${o}".`)
      if (o.startsWith('http.address=')) throw new CliError('RR_ERR_BAD_OPTION', 'Set the listen address with --host/--port (runserver passes http.address to rr itself).')
    }
    const args = rrArgs(paths, { detach: Boolean(values.detach), overrideAddress: http && addr.address !== addr.fromFile ? addr.address : undefined, overrides })
    if (http) checkTlsAddresses(readRrConfig(paths), addr)
    const exposed = rpcExposureWarning(readRrConfig(paths), overrides)
    if (exposed) ctx.stderr.write(`${painter(useColor(ctx.stderr, ctx.env))('yellow', exposed)}\n`)
    const fewFiles = http ? openFilesWarning(openFilesLimit()) : undefined
    if (fewFiles) ctx.stderr.write(`${painter(useColor(ctx.stderr, ctx.env))('yellow', fewFiles)}\n`)
    const name = appName(paths.root, ctx.env)
    const listeners = configListeners(withOverrides(readRrConfig(paths), overrides))
    if (values.detach) return detach(paths, addr, http, listeners, args, ctx, name)

    if (http) await checkPort(addr)
    await checkListeners(listeners, configName(paths))
    const color = useColor(ctx.stdout, ctx.env)
    const paint = painter(color)
    ctx.stdout.write(
      [
        `${paint('green', 'Starting RoadRunner')} for ${name}`,
        `  Config: ${paths.config}`,
        `  Worker: ${worker}`,
        `  Binary: ${paths.binary}`,
        ...listenerLines(readRrConfig(paths), addr, 8),
        'Press Ctrl+C to stop',
        '',
      ].join('\n'),
    )
    // rr's last lines, to explain a failed start (kept only until rr has run for a while).
    const last: string[] = []
    const began = Date.now()
    const code = await runForeground(paths, {
      args,
      env: { ...rrEnv(ctx.env), PIONIA_HTTP_ADDRESS: addr.address },
      raw: Boolean(values.raw),
      color,
      write: (line) => {
        const out = color ? line : stripAnsi(line)
        if (Date.now() - began < 60_000) {
          last.push(out)
          if (last.length > 30) last.shift()
        }
        ctx.stdout.write(`${out}\n`)
      },
      signal: ctx.signal,
    })
    const why = code !== 0 && !ctx.signal.aborted ? explainStartFailure(last, relative(paths.root, paths.config) || '.rr.yaml') : undefined
    if (why) ctx.stderr.write(`${painter(useColor(ctx.stderr, ctx.env))('yellow', why)}\n`)
    return code
  },
})
