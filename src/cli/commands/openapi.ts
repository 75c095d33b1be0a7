/**
 * `pionia openapi`: writes the app's OpenAPI 3.1 document (every switch, service and action) to a
 * file. The app module is loaded in a child process with the tsx loader, as `serve` does.
 * @module
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { relative, resolve } from 'node:path'
import { CliError, defineCommand } from '../command.js'
import { str } from '../util/args.js'
import { findAppModule, tsxLoader } from './serve.js'

function childEntry(): string {
  const js = new URL('../openapi-main.js', import.meta.url)
  return fileURLToPath(existsSync(fileURLToPath(js)) ? js : new URL('../openapi-main.ts', import.meta.url))
}

export default defineCommand({
  name: 'openapi',
  summary: 'Write the OpenAPI 3.1 document of the app (every switch, service and action)',
  usage: `Usage: npx pionia openapi [options]

Loads the app module and writes its OpenAPI 3.1 document: one operation per action (request schema
from its rules, auth, the envelope, the error codes). The running app serves the same document at
GET /api/v1/__openapi.json when DEBUG or DOCS_ENABLED is on (and DOCS_TOKEN matches, when set).

Options:
  --out=<file>        where to write it (default openapi.json)
  --app=<file>        the app module (default: app/app.ts, app/index.ts, app.ts, ...)
  --server=<url>      a server URL for the document's servers list (repeatable)
`,
  options: {
    out: { type: 'string' },
    app: { type: 'string' },
    server: { type: 'string', multiple: true },
  },
  async run(args, ctx) {
    const app = findAppModule(ctx.cwd, str(args.values.app))
    const out = resolve(ctx.cwd, str(args.values.out) ?? 'openapi.json')
    const servers = ([] as unknown[]).concat(args.values.server ?? []).filter((s): s is string => typeof s === 'string')
    const child = spawn(process.execPath, ['--import', tsxLoader(), childEntry(), '--app', app, '--out', out, ...servers.flatMap((s) => ['--server', s])], {
      cwd: ctx.cwd,
      env: ctx.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let errText = ''
    child.stdout!.pipe(ctx.stderr, { end: false })
    child.stderr!.on('data', (d: Buffer) => (errText += d.toString()))
    const code = await new Promise<number | null>((r) => child.once('exit', r))
    if (code !== 0) throw new CliError('RR_ERR_OPENAPI', `Could not build the OpenAPI document from ${relative(ctx.cwd, app)}:\n${errText.trim()}`)
    const doc = JSON.parse(readFileSync(out, 'utf8')) as { paths: Record<string, unknown> }
    const operations = Object.keys(doc.paths).filter((p) => p.includes('#')).length
    ctx.stdout.write(`Wrote ${relative(ctx.cwd, out) || out}: OpenAPI 3.1, ${operations} actions.\n`)
    return 0
  },
})
