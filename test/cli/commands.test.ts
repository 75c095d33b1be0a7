/**
 * The built CLI as a user runs it: help, suggestions, maintenance on/off rewriting settings.ini,
 * optimize --production switching rr to the compiled worker (real rr), optimize:clear.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { Settings } from '../../src/config/settings.js'
import { maintenanceState } from '../../src/moonlight/http/maintenance.js'
import { ROOT, freePort } from '../helpers/rr.js'
import { get, rrConfig, startCli, useProjects } from './_project.js'

const project = useProjects()

describe('help and suggestions', () => {
  it('pionia --help lists every command with its summary', async () => {
    const r = await project({ withRr: false }).run(['--help'])
    expect(r.exitCode).toBe(0)
    for (const name of ['rr:setup', 'runserver', 'runserver:logs', 'stopserver', 'maintenance:on', 'maintenance:off', 'optimize']) {
      expect(r.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'))
    }
  })
  it('pionia <command> --help prints its usage; aliases resolve', async () => {
    const p = project({ withRr: false })
    expect((await p.run(['runserver:logs', '--help'])).stdout).toContain('--no-follow')
    expect((await p.run(['rr:logs', '--help'])).stdout).toContain('Usage: npx pionia runserver:logs')
  })
  it('an unknown command suggests the nearest one and exits 1', async () => {
    const r = await project({ withRr: false }).run(['stopservr'])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toContain('Unknown command "stopservr". Did you mean "stopserver"?')
  })
  it('an unknown option names itself and the help command', async () => {
    const r = await project({ withRr: false }).run(['stopserver', '--forse'])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toContain("Unknown option '--forse'")
    expect(r.stderr).toContain('See: npx pionia stopserver --help')
  })
})

describe('runserver:logs without a running server', () => {
  it('says how to get a log, and --wait blocks until the file appears', async () => {
    const p = project({ withRr: false })
    const missing = await p.run(['runserver:logs'])
    expect(missing.exitCode).toBe(1)
    expect(missing.stderr).toContain(`Log file not found: ${join(p.dir, 'storage/logs/roadrunner.log')}`)
    expect(missing.stderr).toContain('npx pionia runserver --detach')
    expect(missing.stderr).toContain('Or pass --wait')

    const waiting = startCli(p, ['runserver:logs', '--wait', '--log', 'custom.log'])
    await waiting.waitFor(/Waiting for log file\.\.\./)
    writeFileSync(join(p.dir, 'custom.log'), '2026-07-01T13:18:42+0000  INFO  http  http log  {"status":200,"method":"GET","URI":"/late","write_bytes":3,"elapsed":2}\n')
    await waiting.waitFor(/13:18:42 {2}GET {5}\/late {2}200 {2}3 B {7}2ms/)
    expect(waiting.output()).toContain(`Following ${join(p.dir, 'custom.log')} (Ctrl+C to stop)`)
    waiting.proc.kill('SIGINT')
    expect((await waiting.proc).exitCode).toBe(0)
  })
})

describe('maintenance', () => {
  it('on/off rewrite [maintenance] and keep the rest of settings.ini', async () => {
    const ini = '; app settings\n[server]\nPORT = 8000\n\n[maintenance]\nENABLED = false\n\n[jobs]\n; queue\nENABLED = true\n'
    const p = project({ withRr: false, settingsIni: ini })
    const on = await p.run(['maintenance:on', '-m', "Upgrading; back at 5 o'clock", '--retry-after', '120', '--bypass', 's3cret'])
    expect(on.exitCode).toBe(0)
    expect(on.stdout).toContain('Application is now in maintenance mode.')
    expect(on.stdout).toContain('X-Maintenance-Bypass: s3cret')
    const s = new Settings(p.dir)
    expect(s.section('maintenance')).toEqual({ ENABLED: 'true', MESSAGE: "Upgrading; back at 5 o'clock", RETRY_AFTER: '120', BYPASS_TOKEN: 's3cret' })
    const text = readFileSync(join(p.dir, 'environment/settings.ini'), 'utf8')
    expect(text.startsWith('; app settings\n[server]\nPORT = 8000\n')).toBe(true)
    expect(text).toContain('[jobs]\n; queue\nENABLED = true\n')

    const off = await p.run(['up'])
    expect(off.stdout).toContain('Application is now live')
    expect(new Settings(p.dir).get('maintenance', 'ENABLED')).toBe('false')
    expect((await p.run(['maintenance:off'])).stdout).toContain('Application is not in maintenance mode.')
    expect((await p.run(['down', '--retry-after', 'soon'])).stderr).toContain('--retry-after must be a number of seconds')
  })
})

describe('maintenance bypass token', () => {
  it('prints the effective token: MAINTENANCE_BYPASS_TOKEN in .env wins over --bypass, and says so', async () => {
    const p = project({ withRr: false, settingsIni: '[maintenance]\nENABLED = false\n', dotenv: 'APP_NAME=x\nMAINTENANCE_BYPASS_TOKEN=from-dotenv\n' })
    const on = await p.run(['maintenance:on', '--bypass', 'from-cli'])
    expect(on.exitCode, on.stderr).toBe(0)
    expect(on.stdout).toContain('X-Maintenance-Bypass: from-dotenv')
    expect(on.stdout).not.toContain('X-Maintenance-Bypass: from-cli')
    expect(on.stdout).toContain('MAINTENANCE_BYPASS_TOKEN in the environment or environment/.env overrides --bypass')
    // Without --bypass the effective token is printed too.
    expect((await p.run(['maintenance:on'])).stdout).toContain('X-Maintenance-Bypass: from-dotenv')
  })

  it('--env keeps the token in environment/.env (not the tracked settings.ini), and it is the token the app reads', async () => {
    const p = project({ withRr: false, settingsIni: '[maintenance]\nENABLED = false\n', dotenv: 'APP_NAME=x\nMAINTENANCE_BYPASS_TOKEN=old\n' })
    const on = await p.run(['maintenance:on', '--bypass', 'kept-in-env', '--env'])
    expect(on.exitCode, on.stderr).toBe(0)
    expect(on.stdout).toContain('X-Maintenance-Bypass: kept-in-env')
    expect(on.stdout).toContain('The token is kept in environment/.env')
    expect(readFileSync(join(p.dir, 'environment/.env'), 'utf8')).toBe('APP_NAME=x\nMAINTENANCE_BYPASS_TOKEN=kept-in-env\n')
    expect(readFileSync(join(p.dir, 'environment/settings.ini'), 'utf8')).not.toContain('kept-in-env')
    expect(new Settings(p.dir).get('maintenance', 'ENABLED')).toBe('true')
    expect(maintenanceState(new Settings(p.dir))).toMatchObject({ enabled: true, bypassToken: 'kept-in-env' })
    const plain = await p.run(['maintenance:on', '--bypass', 'in-ini'])
    expect(plain.stdout).toContain('a tracked file; --env keeps it in environment/.env instead')
    expect((await p.run(['maintenance:on', '--env'])).stderr).toContain('pass it with --bypass=<token>')
  })
})

describe('optimize --production (real rr)', () => {
  it('compiles the app to build/worker.js, rr runs it with plain node; optimize:clear goes back', async () => {
    const port = await freePort()
    const p = project({ rrYaml: rrConfig(port) })
    const yamlPath = join(p.dir, '.rr.yaml')
    // the user's formatting: a comment, a flow list with its own spacing, a block list
    writeFileSync(yamlPath, `# my app\n${readFileSync(yamlPath, 'utf8')}` + 'x-notes:\n  flow: [ "a",   "b" ]\n  block:\n    - one\n    - two\n')
    const original = readFileSync(yamlPath, 'utf8')
    // An app of several modules, imported the ways tsx allows: extensionless and with .ts.
    mkdirSync(join(p.dir, 'lib'))
    writeFileSync(
      join(p.dir, 'worker.ts'),
      "import { serve } from 'pionia'\nimport { greet } from './lib/greet'\n" +
        "await serve({ http: { fetch(req) { const path = new URL(req.url).pathname\n" +
        "  return new Response(path === '/pid' ? String(process.pid) : greet(path)) } } })\n",
    )
    writeFileSync(
      join(p.dir, 'lib/greet.ts'),
      "import { upper } from './util.ts'\nexport const greet = (s: string): string => `${upper('hello ' + s)} from ${new URL(import.meta.url).pathname.split('/').slice(-2).join('/')}`\n",
    )
    writeFileSync(join(p.dir, 'lib/util.ts'), 'export const upper = (s: string): string => s.toUpperCase()\n')
    // a static asset beside the modules (like DeskFlow's app/public/board/) must follow them into build/
    mkdirSync(join(p.dir, 'lib/public'))
    writeFileSync(join(p.dir, 'lib/public/page.html'), '<h1>board</h1>\n')
    const opt = await p.run(['optimize', '--production'])
    expect(opt.exitCode, opt.stderr).toBe(0)
    expect(opt.stdout).toContain('rr now runs: node build/worker.js')
    expect(opt.stdout).toContain('3 modules; entry build/worker.js')
    // pionia, imported as a package, is bundled beside the app (a few files instead of its ES modules)
    expect(opt.stdout).toMatch(/pionia: \d+ modules bundled into \d+ files in build\/\.pionia\//)
    expect(readFileSync(join(p.dir, 'build/worker.js'), 'utf8')).toContain('from "./.pionia/index.js"')
    expect(existsSync(join(p.dir, 'build/lib/util.js'))).toBe(true)
    expect(readFileSync(join(p.dir, 'build/lib/public/page.html'), 'utf8')).toBe('<h1>board</h1>\n')
    const text = readFileSync(yamlPath, 'utf8')
    expect(text.startsWith('# my app\n')).toBe(true)
    expect(text).toContain('  # Production: the app compiled by "npx pionia optimize --production" runs with plain node.\n')
    expect(text).toContain('  command: ["node", "build/worker.js"]\n')
    // only server.command and the comment above it changed
    expect(text.replace(/  # Production: .*\n  # "npx pionia optimize:clear" .*\n  command: .*\n/, '')).toBe(original.replace(/  command: .*\n/, ''))
    expect((parse(text) as { server: { command: unknown } }).server.command).toEqual(['node', 'build/worker.js'])

    const run = startCli(p, ['runserver'])
    await run.waitFor(/Press Ctrl\+C to stop/)
    expect(run.output()).toContain(`Worker: ${join(p.dir, 'build/worker.js')}`)
    const pid = Number(await (await get(port, '/pid')).text())
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
    expect(cmd.slice(1)).toEqual(['build/worker.js'])
    // The compiled modules keep their layout: import.meta.url points into build/lib/.
    expect(await (await get(port, '/x')).text()).toBe('HELLO /X from lib/greet.js')
    run.proc.kill('SIGINT')
    expect((await run.proc).exitCode).toBe(0)

    const clear = await p.run(['optimize:clear'])
    expect(clear.stdout).toContain('rr runs: node --import tsx worker.ts')
    expect(readFileSync(yamlPath, 'utf8')).toBe(original)
    expect((parse(readFileSync(yamlPath, 'utf8')) as { server: { command: unknown } }).server.command).toBe('node --import tsx worker.ts')
    expect(existsSync(join(p.dir, 'build/worker.js'))).toBe(false)
    expect(existsSync(join(p.dir, 'build/lib/greet.js'))).toBe(false)
    expect(existsSync(join(p.dir, 'build/lib/public/page.html'))).toBe(false)
    expect(existsSync(join(p.dir, 'build/.pionia'))).toBe(false)

    // Back on the loader, the same app answers from its TypeScript sources.
    const dev = startCli(p, ['runserver'])
    await dev.waitFor(/Press Ctrl\+C to stop/)
    expect(await (await get(port, '/x')).text()).toBe('HELLO /X from lib/greet.ts')
    dev.proc.kill('SIGINT')
    expect((await dev.proc).exitCode).toBe(0)
  })
})

describe('optimize in the pionia repository itself (DeskFlow beside the CLI build)', () => {
  it('never writes into the CLI build; optimize:clear removes only what optimize wrote; the CLI keeps working', async () => {
    // A copy of the repository as a user clones it: sources, DeskFlow, the package build dist/, node_modules.
    const dir = mkdtempSync(join(tmpdir(), 'pionia-repo-'))
    try {
      for (const f of ['src', 'app', 'environment', 'bin', 'dist', 'worker.ts', 'package.json', '.rr.yaml']) cpSync(join(ROOT, f), join(dir, f), { recursive: true })
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
      const cli = (args: string[]) => execa(process.execPath, [join(dir, 'bin/pionia.js'), ...args], { cwd: dir, reject: false, env: { NO_COLOR: '1' } })
      const listDist = () => (readdirSync(join(dir, 'dist'), { recursive: true }) as string[]).sort()
      const distBefore = listDist()
      const yamlBefore = readFileSync(join(dir, '.rr.yaml'), 'utf8')

      const opt = await cli(['optimize', '--production'])
      expect(opt.exitCode, String(opt.stderr)).toBe(0)
      expect(opt.stdout).toContain('rr now runs: node build/worker.js')
      expect(existsSync(join(dir, 'build/src/serve.js'))).toBe(true)
      expect(listDist()).toEqual(distBefore)
      const yaml = readFileSync(join(dir, '.rr.yaml'), 'utf8')
      expect(yaml).toContain('  command: ["node", "build/worker.js"]\n')
      expect(yaml).not.toContain('through the tsx loader')

      // the CLI's own dist/ is refused as the output folder
      const refused = await cli(['optimize', '--outdir=dist'])
      expect(refused.exitCode).toBe(1)
      expect(refused.stderr).toContain("holds pionia's own build")
      expect(listDist()).toEqual(distBefore)

      // a file of the user's own in build/ survives optimize:clear
      writeFileSync(join(dir, 'build/NOTES.md'), 'mine\n')
      const clear = await cli(['optimize:clear'])
      expect(clear.exitCode, String(clear.stderr)).toBe(0)
      expect(clear.stdout).toContain('rr runs: node --import tsx worker.ts')
      expect(readFileSync(join(dir, '.rr.yaml'), 'utf8')).toBe(yamlBefore)
      expect(readdirSync(join(dir, 'build'))).toEqual(['NOTES.md'])
      expect(existsSync(join(dir, '.pionia'))).toBe(false)
      expect(listDist()).toEqual(distBefore)
      const help = await cli(['--help'])
      expect(help.exitCode, String(help.stderr)).toBe(0)
      expect(help.stdout).toContain('runserver')

      // optimize refuses to overwrite a file it did not write
      writeFileSync(join(dir, 'build/worker.js'), '// mine\n')
      const clash = await cli(['optimize'])
      expect(clash.exitCode).toBe(1)
      expect(clash.stderr).toContain('already holds files optimize did not write')
      expect(clash.stderr).toContain('build/worker.js')
      expect(readFileSync(join(dir, 'build/worker.js'), 'utf8')).toBe('// mine\n')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
