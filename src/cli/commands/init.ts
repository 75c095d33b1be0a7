/**
 * `pionia init` (alias `new`): scaffolds a minimal app in the current folder (worker.ts, .rr.yaml,
 * environment/settings.ini, .env.example, .gitignore, package.json scripts) for one template, with a
 * jobs and/or realtime handler. It refuses to write over anything without --force.
 * @module
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CliError, defineCommand } from '../command.js'
import { str } from '../util/args.js'
import { painter, useColor } from '../util/color.js'
import { defaultRrYaml } from '../templates/rr-yaml.js'
import { GITIGNORE, TEMPLATES, TEMPLATE_DEPENDENCIES, envExample, settingsIni, workerTs, type AppChoices, type Template } from '../templates/app.js'

/** What `npm install pionia` leaves in a folder: init may still run there. */
const ALLOWED = new Set(['package.json', 'package-lock.json', 'node_modules', '.git', '.npmrc'])

interface PackageJson {
  name?: string
  type?: string
  scripts?: Record<string, string>
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  [k: string]: unknown
}

/** pionia's own package.json: its version and the tested ranges of the template packages. */
function ownPackage(): PackageJson & { version: string } {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const p = join(dir, 'package.json')
    if (existsSync(p)) {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as PackageJson & { version: string }
      if (pkg.name === 'pionia') return pkg
    }
    if (dirname(dir) === dir) return { name: 'pionia', version: '0.0.0' }
    dir = dirname(dir)
  }
}

const FALLBACK_RANGES: Record<string, string> = { 'better-sqlite3': '^12.0.0', hono: '^4.0.0', express: '^5.0.0' }

function appName(dir: string): string {
  return basename(dir).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[-._]+/, '') || 'app'
}

export default defineCommand({
  name: 'init',
  aliases: ['new'],
  summary: 'Create a new app in this folder: worker.ts, .rr.yaml, settings (fetch, moonlight, hono or express)',
  usage: `Usage: npx pionia init [options]

Writes a minimal app into the current folder, ready for rr:
  worker.ts                 the worker entry (serve() with a handler for each .rr.yaml section)
  .rr.yaml                  RoadRunner config: http (+ jobs, + centrifuge when asked)
  environment/settings.ini  settings (address, database for moonlight)
  .env.example              copied to environment/.env by rr:setup (with a random JWT_SECRET)
  .gitignore                the rr binary, storage/, dist/, environment/.env
  package.json              scripts (dev, setup, stop) and the template's dependencies
The folder must be empty (a package.json, package-lock.json and node_modules from npm install are
fine); nothing is overwritten without --force.

Options:
  --template=<t>  fetch (default: a plain fetch handler), moonlight ({service, action} API, SQLite),
                  hono, express
  --jobs          add rr's jobs plugin: a memory pipeline and a jobs handler in worker.ts
  --realtime      add rr's centrifuge plugin (Centrifugo proxy) and its handler
  --force         write even if the folder has other files (replaces the files listed above)
`,
  options: {
    template: { type: 'string', short: 't' },
    jobs: { type: 'boolean' },
    realtime: { type: 'boolean' },
    force: { type: 'boolean' },
  },
  async run({ values }, ctx) {
    const paint = painter(useColor(ctx.stdout, ctx.env))
    const template = (str(values.template) ?? 'fetch') as Template
    if (!TEMPLATES.includes(template)) {
      throw new CliError('RR_ERR_BAD_OPTION', `Unknown template "${template}": use --template=${TEMPLATES.join('|')}.`)
    }
    const dir = ctx.cwd
    const name = appName(dir)
    const choices: AppChoices = { template, jobs: Boolean(values.jobs), realtime: Boolean(values.realtime), name }
    const files: Record<string, string> = {
      'worker.ts': workerTs(choices),
      '.rr.yaml': defaultRrYaml({ jobs: choices.jobs, realtime: choices.realtime }),
      'environment/settings.ini': settingsIni(choices),
      '.env.example': envExample(choices),
      '.gitignore': GITIGNORE,
    }
    const present = existsSync(dir) ? readdirSync(dir).filter((f) => !ALLOWED.has(f)) : []
    if (present.length && !values.force) {
      const shown = present.slice(0, 8).join(', ') + (present.length > 8 ? `, … (${present.length} in all)` : '')
      throw new CliError(
        'RR_ERR_NOT_EMPTY',
        `This folder is not empty (${shown}): init writes a new app only into an empty folder, or one with just\n` +
          `package.json/node_modules from npm install. Nothing was written.\n` +
          `Run it in a new folder (mkdir my-app && cd my-app && npm install pionia && npx pionia init), or pass --force\n` +
          `to write here anyway (it replaces ${Object.keys(files).filter((f) => existsSync(join(dir, f))).join(', ') || 'no existing file'}).`,
      )
    }

    // package.json: kept as it is, with type=module, the scripts and the template's dependencies added.
    const pkgPath = join(dir, 'package.json')
    let pkg: PackageJson = { name, private: true }
    if (existsSync(pkgPath)) {
      try {
        pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as PackageJson
      } catch (err) {
        throw new CliError('RR_ERR_BAD_PACKAGE', `package.json is not valid JSON (${(err as Error).message}): fix it, then run init again. Nothing was written.`)
      }
    }
    if (pkg.type !== undefined && pkg.type !== 'module' && !values.force) {
      throw new CliError('RR_ERR_BAD_PACKAGE', `package.json has "type": "${pkg.type}"; worker.ts is an ES module with top-level await and needs "type": "module".\nChange it, or pass --force to set it. Nothing was written.`)
    }
    pkg.type = 'module'
    const own = ownPackage()
    pkg.scripts = { ...pkg.scripts }
    for (const [k, v] of Object.entries({ setup: 'pionia rr:setup', dev: 'pionia runserver', stop: 'pionia stopserver' })) pkg.scripts[k] ??= v
    pkg.dependencies = { ...pkg.dependencies }
    if (!pkg.dependencies.pionia && !pkg.devDependencies?.pionia) pkg.dependencies.pionia = `^${own.version}`
    const added: string[] = []
    for (const dep of TEMPLATE_DEPENDENCIES[template]) {
      if (pkg.dependencies[dep] || pkg.devDependencies?.[dep]) continue
      pkg.dependencies[dep] = own.devDependencies?.[dep] ?? FALLBACK_RANGES[dep]!
      added.push(dep)
    }
    pkg.dependencies = Object.fromEntries(Object.entries(pkg.dependencies).sort(([a], [b]) => a.localeCompare(b)))

    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true })
      writeFileSync(join(dir, file), text)
    }
    writeFileSync(pkgPath, `${JSON.stringify(pkg, null, 2)}\n`)

    const sections = ['http', choices.jobs ? 'jobs (memory pipeline "moonlight")' : '', choices.realtime ? 'centrifuge' : ''].filter(Boolean).join(', ')
    const needsInstall = added.length > 0 || !existsSync(join(dir, 'node_modules', 'pionia'))
    ctx.stdout.write(
      [
        paint('green', `Created a ${template} app "${name}"`) + ` (.rr.yaml: ${sections})`,
        ...[...Object.keys(files), 'package.json'].map((f) => `  ${f}`),
        ...(added.length ? [`Added to dependencies: ${added.map((d) => `${d}@${pkg.dependencies![d]}`).join(', ')}`] : []),
        '',
        'Next:',
        `  ${needsInstall ? 'npm install && ' : ''}npx pionia rr:setup`,
        '  npx pionia runserver',
        '',
      ].join('\n'),
    )
    return 0
  },
})
