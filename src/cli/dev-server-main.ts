/**
 * The process `npx pionia serve` starts (and restarts on source changes): loads the app module,
 * serves it with node:http, and reports to the parent over IPC (listening address, access entries,
 * fatal errors). It is a process entry, like worker.ts: it reads argv and exits.
 * @module
 */
import { parseArgs } from 'node:util'
import { resolve } from 'node:path'
import { createNodeServer, listenWithTries, type Fetchable } from '../http/node-server.js'
import { describe } from '../util/describe.js'
import { loadApp, noAppMessage } from './load-app.js'

/** Messages sent to the parent process. */
export type DevServerMessage =
  | { type: 'listening'; host: string; port: number }
  | { type: 'access'; method: string; uri: string; status: number; bytes: number; elapsedMs: number }
  | { type: 'fatal'; code: string; message: string }

const send = (m: DevServerMessage): void => {
  if (process.send) process.send(m)
}

/** Reports a fatal error once: to the parent (which prints it), else on stderr. */
function fail(code: string, message: string): never {
  if (process.send) send({ type: 'fatal', code, message })
  else process.stderr.write(`${message}\n`)
  process.exit(1)
}

async function appOf(file: string): Promise<Fetchable & { close?: () => unknown }> {
  return (await loadApp(file)) ?? fail('E_NO_APP', noAppMessage(file))
}

const { values } = parseArgs({
  options: { app: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, tries: { type: 'string' } },
  strict: true,
})
process.env.PIONIA_RUNTIME ??= 'serve'
const app = await appOf(resolve(values.app!))
const server = createNodeServer(app, {
  onAccess: (e) => send({ type: 'access', ...e }),
  onError: (err) => process.stderr.write(`[pionia] request failed: ${describe(err)}\n`),
})
const host = values.host ?? '127.0.0.1'
const first = Number(values.port ?? 8000)
const tries = Math.max(1, Number(values.tries ?? 1))
let port: number
try {
  port = await listenWithTries(server, host, first, tries)
} catch (err) {
  const code = (err as NodeJS.ErrnoException).code ?? 'E_LISTEN'
  const last = Math.min(65535, first + tries - 1)
  const range = tries > 1 ? `ports ${first}-${last} are` : `port ${first} is`
  fail(code, code === 'EADDRINUSE'
    ? `Cannot listen on ${host}: ${range} in use. Stop the other server (npx pionia stopserver) or pass --port=<free port>.`
    : `Cannot listen on ${host}:${first}: ${(err as Error).message}. Use --host=127.0.0.1 or another --port.`)
}
send({ type: 'listening', host, port })

const stop = (): void => {
  server.close()
  server.closeAllConnections()
  Promise.resolve(app.close?.()).finally(() => process.exit(0))
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
process.once('disconnect', stop)
