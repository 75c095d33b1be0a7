/**
 * `pionia init` as a process: the files per template, package.json kept and extended, and the bad
 * inputs (unknown template, a folder with other files, a CommonJS package.json): exit 1, a message
 * with the fix, nothing written.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { execa } from 'execa'
import { parse } from 'yaml'
import { BIN } from './_project.js'
import { defaultRrYaml } from '../../src/cli/templates/rr-yaml.js'

const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))
function folder(): string {
  const d = mkdtempSync(join(tmpdir(), 'pionia-init-'))
  dirs.push(d)
  return d
}
async function init(dir: string, args: string[]) {
  const r = await execa(process.execPath, [BIN, ...args], { cwd: dir, reject: false, env: { NO_COLOR: '1' } })
  return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) }
}

describe('pionia init', () => {
  it('the .rr.yaml template is valid YAML with exactly the chosen worker sections, for every choice', () => {
    for (const http of [true, false]) for (const jobs of [true, false]) for (const realtime of [true, false]) {
      const doc = parse(defaultRrYaml({ http, jobs, realtime })) as Record<string, unknown>
      expect([doc.http !== undefined, doc.jobs !== undefined, doc.centrifuge !== undefined], JSON.stringify({ http, jobs, realtime })).toEqual([http, jobs, realtime])
      expect(doc.server).toMatchObject({ command: ['node', '--import', 'tsx', 'worker.ts'] })
    }
  })

  it('writes the app files, keeps an existing package.json and adds type, scripts and the template dependency', async () => {
    const dir = folder()
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'shop', dependencies: { pionia: 'file:../pionia.tgz' }, scripts: { dev: 'mine' } }))
    const r = await init(dir, ['init', '--template=moonlight', '--jobs'])
    expect(r.exitCode, r.stderr).toBe(0)
    for (const f of ['worker.ts', '.rr.yaml', 'environment/settings.ini', '.env.example', '.gitignore']) expect(existsSync(join(dir, f)), f).toBe(true)
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    expect(pkg).toMatchObject({ name: 'shop', type: 'module', scripts: { dev: 'mine', setup: 'pionia rr:setup', stop: 'pionia stopserver' } })
    expect(pkg.dependencies.pionia).toBe('file:../pionia.tgz')
    expect(pkg.dependencies['better-sqlite3']).toMatch(/^\^12\./)
    const yaml = parse(readFileSync(join(dir, '.rr.yaml'), 'utf8')) as Record<string, unknown>
    expect(Object.keys(yaml)).toEqual(expect.arrayContaining(['http', 'jobs']))
    expect(yaml.centrifuge).toBeUndefined()
    const worker = readFileSync(join(dir, 'worker.ts'), 'utf8')
    expect(worker).toContain('jobs: moonlightJobConsumer(app)')
    expect(readFileSync(join(dir, 'environment/settings.ini'), 'utf8')).toContain('[jobs]\n; true: moonlight().async(...) queues on rr\'s "moonlight" pipeline (.rr.yaml jobs section)\nENABLED = true')
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toMatch(/^\/rr$[\s\S]*^\/storage\/$[\s\S]*^\/dist\/$/m)
    expect(r.stdout).toContain('Added to dependencies: better-sqlite3@^12.')
    expect(r.stdout).toContain('Next:\n  npm install && npx pionia rr:setup\n  npx pionia runserver')
  })

  it('new --realtime (alias) adds the centrifuge section and a handler; no jobs section unless asked', async () => {
    const dir = folder()
    const r = await init(dir, ['new', '--template=hono', '--realtime'])
    expect(r.exitCode, r.stderr).toBe(0)
    const yaml = parse(readFileSync(join(dir, '.rr.yaml'), 'utf8')) as Record<string, unknown>
    expect(yaml.centrifuge).toMatchObject({ proxy_address: 'tcp://127.0.0.1:30000' })
    expect(yaml.jobs).toBeUndefined()
    expect(readFileSync(join(dir, 'worker.ts'), 'utf8')).toContain('centrifuge: centrifugoHandler({')
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).dependencies.hono).toMatch(/^\^4\./)
  })

  it('an unknown template: exit 1, names the choices, writes nothing', async () => {
    const dir = folder()
    const r = await init(dir, ['init', '--template=vue'])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toContain('Unknown template "vue": use --template=fetch|moonlight|hono|express.')
    expect(readdirSync(dir)).toEqual([])
  })

  it('a folder with other files: exit 1, nothing overwritten; --force writes', async () => {
    const dir = folder()
    writeFileSync(join(dir, 'worker.ts'), '// mine\n')
    const r = await init(dir, ['init'])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toContain('This folder is not empty (worker.ts)')
    expect(r.stderr).toContain('Nothing was written.')
    expect(r.stderr).toContain('pass --force')
    expect(readFileSync(join(dir, 'worker.ts'), 'utf8')).toBe('// mine\n')
    expect(readdirSync(dir)).toEqual(['worker.ts'])
    const forced = await init(dir, ['init', '--force'])
    expect(forced.exitCode, forced.stderr).toBe(0)
    expect(readFileSync(join(dir, 'worker.ts'), 'utf8')).toContain("await serve({")
  })

  it('a CommonJS package.json: exit 1 with the fix, package.json unchanged', async () => {
    const dir = folder()
    const before = JSON.stringify({ name: 'x', type: 'commonjs' })
    writeFileSync(join(dir, 'package.json'), before)
    const r = await init(dir, ['init'])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toContain('needs "type": "module"')
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).toBe(before)
    expect(readdirSync(dir)).toEqual(['package.json'])
  })
})
