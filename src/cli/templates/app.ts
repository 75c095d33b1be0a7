/**
 * The files `pionia init` writes for a new app: worker.ts per template (fetch, moonlight, hono,
 * express), with a jobs and/or realtime handler when asked, plus settings, .env.example and .gitignore.
 * .rr.yaml comes from rr-yaml.ts with the same choices, so every section it has is served.
 * @module
 */

export const TEMPLATES = ['fetch', 'moonlight', 'hono', 'express'] as const
export type Template = (typeof TEMPLATES)[number]

export interface AppChoices {
  template: Template
  jobs: boolean
  realtime: boolean
  name: string
}

/** Packages a template imports besides pionia (added to the app's dependencies). */
export const TEMPLATE_DEPENDENCIES: Record<Template, string[]> = {
  fetch: [],
  // SQLite stays Moonlight's embedded default; pionia lists better-sqlite3 as an optional peer.
  moonlight: ['better-sqlite3'],
  hono: ['hono'],
  express: ['express'],
}

function httpApp(t: Template): { imports: string[]; body: string; http: string } {
  switch (t) {
    case 'fetch':
      return {
        imports: [],
        body: `// A web-standard handler: any object with fetch(request) (Hono, a Moonlight app, this one).
const app = {
  fetch(request: Request): Response {
    const { pathname } = new URL(request.url)
    if (pathname === '/') return Response.json({ ok: true, app: process.env.APP_NAME ?? 'app' })
    return Response.json({ error: 'not found' }, { status: 404 })
  },
}`,
        http: 'app',
      }
    case 'hono':
      return {
        imports: [`import { Hono } from 'hono'`, `import type { HttpContext } from 'pionia/http'`],
        body: `const app = new Hono<{ Bindings: HttpContext }>()
app.get('/', (c) => c.json({ ok: true, app: process.env.APP_NAME ?? 'app', client: c.env.remoteAddr }))`,
        http: 'app',
      }
    case 'express':
      return {
        imports: [`import express from 'express'`, `import { fromNodeListener } from 'pionia/http'`],
        body: `const app = express()
app.use(express.json())
app.get('/', (_req, res) => {
  res.json({ ok: true, app: process.env.APP_NAME ?? 'app' })
})`,
        http: 'fromNodeListener(app)',
      }
    case 'moonlight':
      return {
        imports: [`import { createApp, Service, response } from 'pionia/moonlight'`],
        body: `// POST /api/v1 {"service":"welcome","action":"hello","name":"you"}, or GET /api/v1/welcome/hello?name=you
class WelcomeService extends Service {
  async helloAction(data: { getString(key: string, fallback?: string): string }) {
    return response(0, \`Hello, \${data.getString('name', 'world')}\`, { app: process.env.APP_NAME ?? 'app' })
  }
}

const app = createApp({ switches: { v1: { welcome: WelcomeService } } })`,
        http: 'app',
      }
  }
}

/** worker.ts: rr starts it once per worker; RR_MODE says which plugin it serves. */
export function workerTs(c: AppChoices): string {
  const a = httpApp(c.template)
  const imports = [`import { serve } from 'pionia'`, ...a.imports]
  const modes: string[] = []
  const setup: string[] = []
  if (c.jobs) {
    if (c.template === 'moonlight') {
      imports.push(`import { moonlightJobConsumer, rrJobQueue } from 'pionia/moonlight/jobs'`)
      setup.push(`// moonlight().async(...) queues on rr's jobs when [jobs] ENABLED = true (environment/settings.ini).
app.useJobQueue(rrJobQueue(app.settings))`)
      modes.push('    // RR_MODE=jobs: queued Moonlight actions run here.\n    jobs: moonlightJobConsumer(app),')
    } else {
      imports.push(`import { jobConsumer } from 'pionia/jobs'`)
      modes.push(
        `    // RR_MODE=jobs: one call per job of the pipelines in .rr.yaml (jobs.consume). A throw retries it.
    // Workers never write to stdout (it is rr's pipe): log to stderr.
    jobs: jobConsumer(async (task) => {
      process.stderr.write(\`job \${task.name}: \${task.payload.length} bytes\\n\`)
    }),`,
      )
    }
  }
  if (c.realtime) {
    if (c.template === 'moonlight') {
      imports.push(`import { moonlightCentrifugeHandler } from 'pionia/moonlight/realtime'`)
      modes.push('    // RR_MODE=centrifuge: Centrifugo proxy events; RPC frames {service, action, data} reach the services.\n    centrifuge: moonlightCentrifugeHandler(app),')
    } else {
      imports.push(`import { centrifugoHandler, reply } from 'pionia/centrifugo'`)
      modes.push(
        `    // RR_MODE=centrifuge: Centrifugo's proxy events (connect, subscribe, publish, rpc).
    centrifuge: centrifugoHandler({
      onConnect: () => reply.result({ user: '' }),
    }),`,
      )
    }
  }
  const shutdown = c.template === 'moonlight' ? '\n  // Close database connections when rr stops the worker.\n  onShutdown: app.close,' : ''
  return `/**
 * ${c.name}: the worker entry. rr (npx pionia runserver) starts it once per worker, as .rr.yaml's
 * server.command says, and keeps it for many requests. Every section of .rr.yaml that starts workers
 * (http${c.jobs ? ', jobs' : ''}${c.realtime ? ', centrifuge' : ''}) has its handler below.
 */
${imports.join('\n')}

${a.body}
${setup.length ? `\n${setup.join('\n')}\n` : ''}
await serve({
  // RR_MODE=http
  http: ${a.http},${modes.length ? `\n  modes: {\n${modes.join('\n')}\n  },` : ''}${shutdown}
})
`
}

export function settingsIni(c: AppChoices): string {
  const parts = [
    `; ${c.name} settings. Secrets and per-machine values go in environment/.env (see .env.example);
; environment variables override them.

[roadrunner]
; runserver's listen address (it passes it to rr as http.address)
HOST = 127.0.0.1
PORT = 8000
`,
  ]
  if (c.template === 'moonlight') {
    parts.push(`[server]
NOT_FOUND_CODE = 404
UNAUTHENTICATED_CODE = 401
SERVER_ERROR_CODE = 500

[db]
database_type = sqlite
database_name = storage/database.sqlite3
default = true
`)
    parts.push(`[jobs]
; true: moonlight().async(...) queues on rr's "moonlight" pipeline (.rr.yaml jobs section)
ENABLED = ${c.jobs ? 'true' : 'false'}
`)
    if (c.realtime) parts.push(`[realtime]
ENABLED = true
`)
  }
  return parts.join('\n')
}

export function envExample(c: AppChoices): string {
  return `# Copy to environment/.env (git-ignored); npx pionia rr:setup does this for you and puts a random
# JWT_SECRET in it.
APP_NAME=${c.name}
APP_ENV=development
# true only on your own machine: stack traces in 500 answers.
DEBUG=false
JWT_SECRET=change-me-to-a-long-random-string
`
}

export const GITIGNORE = `node_modules/
# the RoadRunner binary (npx pionia rr:setup installs it)
/rr
/rr.exe
/.pid
/.rr.runtime.json
/storage/
/dist/
/build/
/.pionia/
/environment/.env
`
