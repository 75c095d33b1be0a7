/**
 * `pionia serve`: the single-process dev server. Runs the app module with node:http (HTTP/1.1) in a
 * child process, on the same address `runserver` would use (default 127.0.0.1:8000), and restarts
 * the child when a source file changes. No rr: string-form async jobs run in-process after the
 * response (with a warning).
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, watch, type FSWatcher } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import { CliError, defineCommand, type CommandContext } from '../command.js'
import { AddressError, resolveAddress } from '../listen-address.js'
import { appName } from '../project.js'
import { formatLogLine } from '../log-format.js'
import { painter, useColor } from '../util/color.js'
import type { DevServerMessage } from '../dev-server-main.js'

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

/** App module candidates, in order, when --app is not given. */
export const APP_CANDIDATES = ['app/app.ts', 'app/index.ts', 'app.ts', 'app/app.js', 'app/index.js', 'app.js']

/** Changes under these never restart the server (data, logs, build output, settings read per request). */
const IGNORED = /(^|\/)(node_modules|\.git|dist|storage|coverage|environment)(\/|$)|database\.sqlite3|\.(log|sqlite3?|db)(-\w+)?$/
const WATCHED = /\.(ts|mts|cts|js|mjs|cjs|json|sql)$/

/** Finds the app module (absolute path) or explains what to create. */
export function findAppModule(root: string, given?: string): string {
  if (given) {
    const file = resolve(root, given)
    if (!existsSync(file)) throw new CliError('RR_ERR_NO_APP', `--app=${given}: ${file} does not exist.`)
    return file
  }
  for (const c of APP_CANDIDATES) if (existsSync(join(root, c))) return join(root, c)
  throw new CliError(
    'RR_ERR_NO_APP',
    `No app module in ${root}: create app/app.ts exporting your Moonlight app\n` +
      `  (export default createApp({ switches: { v1: { ... } } })) or pass --app=<file>.`,
  )
}

/** The child entry: compiled next to this file in dist/, or the TypeScript source when run from src/. */
function childEntry(): string {
  const js = new URL('../dev-server-main.js', import.meta.url)
  if (existsSync(fileURLToPath(js))) return fileURLToPath(js)
  return fileURLToPath(new URL('../dev-server-main.ts', import.meta.url))
}

/** The tsx loader as a file URL (resolved from this package, so the project needs no tsx of its own). */
export function tsxLoader(): string {
  if (typeof import.meta.resolve === 'function') return import.meta.resolve('tsx')
  // Test runners that rewrite import.meta lack resolve(): locate the package instead.
  return pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/loader.mjs')).href
}

function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new CliError('RR_ERR_BAD_OPTION', `${name} must be a positive number, got "${value}".`)
  return Number(value)
}

interface Running {
  child: ChildProcess
  exited: Promise<number | null>
  /** Resolves with the bound port, or rejects with the child's fatal message. */
  listening: Promise<number>
}

function startChild(ctx: CommandContext, app: string, host: string, port: number, tries: number, onAccess: (m: DevServerMessage & { type: 'access' }) => void): Running {
  const tsx = tsxLoader()
  const child = spawn(process.execPath, ['--import', tsx, childEntry(), '--app', app, '--host', host, '--port', String(port), '--tries', String(tries)], {
    cwd: ctx.cwd,
    env: { ...ctx.env, PIONIA_RUNTIME: 'serve' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  child.stdout!.pipe(ctx.stderr, { end: false })
  child.stderr!.pipe(ctx.stderr, { end: false })
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  const listening = new Promise<number>((res, rej) => {
    let fatal: string | undefined
    child.on('message', (m: DevServerMessage) => {
      if (m.type === 'listening') res(m.port)
      else if (m.type === 'fatal') fatal = m.message
      else if (m.type === 'access') onAccess(m)
    })
    void exited.then((code) => rej(new Error(fatal ?? `the app exited with code ${code} before listening (see the error above)`)))
  })
  listening.catch(() => {})
  return { child, exited, listening }
}

async function stopChild(r: Running | undefined): Promise<void> {
  if (!r || r.child.exitCode !== null || r.child.signalCode !== null) return
  r.child.kill('SIGTERM')
  const t = setTimeout(() => r.child.kill('SIGKILL'), 5000)
  await r.exited
  clearTimeout(t)
}

export default defineCommand({
  name: 'serve',
  aliases: ['server', 'start', 'run'],
  summary: 'Run the app with the built-in dev server (node:http, one process, restarts on changes)',
  usage: `Usage: npx pionia serve [options]

Serves the Moonlight app (app/app.ts by default) with Node's HTTP/1.1 server, without rr.
Address: --port/--host > PORT/SERVER_PORT (HOST/SERVER_HOST) from the environment or environment/.env
         > [roadrunner] then [server] in environment/settings.ini > .rr.yaml http.address > 127.0.0.1:8000.
No job queue: moonlight().async() runs the action in this process before answering (its own envelope);
async()/defer() work runs after the response. Use runserver for rr's job queue.

Options:
  --port=<n>       port to listen on
  --host=<host>    host (or host:port) to listen on
  --tries=<n>      ports to try, counting up, when the port is taken (default 10)
  --no-reload      do not restart when a source file changes
  --app=<file>     the module exporting the app (default: ${APP_CANDIDATES.slice(0, 3).join(', ')})
`,
  options: {
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
    tries: { type: 'string' },
    'no-reload': { type: 'boolean' },
    app: { type: 'string' },
  },
  async run({ values }, ctx) {
    const paint = painter(useColor(ctx.stdout, ctx.env))
    let addr
    try {
      addr = resolveAddress({ cwd: ctx.cwd, env: ctx.env, port: str(values.port), host: str(values.host) })
    } catch (err) {
      if (err instanceof AddressError) throw new CliError(err.code, err.message)
      throw err
    }
    const tries = positiveInt(str(values.tries), '--tries', 10)
    const app = findAppModule(ctx.cwd, str(values.app))
    const reload = !values['no-reload']
    const color = useColor(ctx.stdout, ctx.env)
    const onAccess = (m: { method: string; uri: string; status: number; bytes: number; elapsedMs: number }): void => {
      const json = JSON.stringify({ method: m.method, URI: m.uri, status: m.status, write_bytes: m.bytes, elapsed: m.elapsedMs })
      ctx.stdout.write(formatLogLine(`${new Date().toISOString()} INFO http http log ${json}`, { color }) + '\n')
    }

    let running = startChild(ctx, app, addr.host, addr.port, tries, onAccess)
    let port: number
    try {
      port = await running.listening
    } catch (err) {
      await stopChild(running)
      throw new CliError('RR_ERR_SERVE', (err as Error).message)
    }
    const url = `http://${addr.host.includes(':') ? `[${addr.host}]` : addr.host}:${port}`
    ctx.stdout.write(
      [
        paint('green', `${appName(ctx.cwd, ctx.env)} development server (node:http, HTTP/1.1)`),
        `  HTTP:    ${url}${port !== addr.port ? paint('yellow', `  (port ${addr.port} was taken)`) : ''}`,
        `  API:     POST ${url}/api/v1  ·  ping: ${url}/api/v1/ping`,
        `  App:     ${relative(ctx.cwd, app)}`,
        `  Jobs:    no queue: moonlight().async runs the action at once (runserver uses rr's queue)`,
        `  Reload:  ${reload ? 'on source changes (--no-reload to disable)' : 'off'}`,
        'Press Ctrl+C to stop.',
        '',
      ].join('\n'),
    )

    let watcher: FSWatcher | undefined
    let restarting = false
    let crashed: ((code: number) => void) | undefined
    const crashedPromise = new Promise<number>((r) => (crashed = r))
    const watchExit = (r: Running): void => {
      void r.exited.then((code) => {
        if (r !== running || ctx.signal.aborted || restarting) return
        ctx.stderr.write(paint('red', `The server exited (code ${code}).`) + (reload ? ' Waiting for a source change to restart it.\n' : '\n'))
        if (!reload) crashed!(1)
      })
    }
    watchExit(running)
    let timer: NodeJS.Timeout | undefined
    let queue: Promise<void> = Promise.resolve()
    let changed = ''
    const restart = async (): Promise<void> => {
      restarting = true
      await stopChild(running)
      ctx.stdout.write(paint('yellow', `Restarting: ${changed} changed`) + '\n')
      running = startChild(ctx, app, addr.host, port, 1, onAccess)
      restarting = false
      watchExit(running)
      try {
        await running.listening
        ctx.stdout.write(paint('green', `Listening again on ${url}`) + '\n')
      } catch (err) {
        ctx.stderr.write(paint('red', `Restart failed: ${(err as Error).message}`) + ' Waiting for the next change.\n')
      }
    }
    if (reload) {
      watcher = watch(ctx.cwd, { recursive: true }, (_event, file) => {
        const name = String(file ?? '').split('\\').join('/')
        if (!name || IGNORED.test(name) || !WATCHED.test(name)) return
        changed = name
        clearTimeout(timer)
        // Restarts run one after another: a change during a restart restarts again once it is done.
        timer = setTimeout(() => {
          queue = queue.then(restart)
        }, 150)
      })
    }

    const aborted = new Promise<number>((r) => {
      if (ctx.signal.aborted) r(0)
      ctx.signal.addEventListener('abort', () => r(0), { once: true })
    })
    const code = await Promise.race([aborted, crashedPromise])
    clearTimeout(timer)
    watcher?.close()
    // Let a restart in progress settle (bounded: a child that hangs while loading is killed below).
    await Promise.race([queue, new Promise((r) => setTimeout(r, 5000).unref())])
    await stopChild(running)
    ctx.stdout.write('Server stopped.\n')
    return code
  },
})
