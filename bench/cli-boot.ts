/**
 * Worker boot time under the real rr, TypeScript loader vs `optimize`d JS: time from spawning
 * `rr serve` to the first HTTP 200, for the CLI tests' tiny app and for DeskFlow (this repo's
 * worker.ts + app/). Both variants run alternately in one process, N rounds each; medians and the
 * ratio are printed.
 *
 *   node --import tsx bench/cli-boot.ts [rounds=7]
 */
import { execFileSync, spawn } from 'node:child_process'
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { ROOT, freePort, rrBinary } from '../test/helpers/rr.js'

const rounds = Number(process.argv[2] ?? 7)

interface App {
  name: string
  dir: string
  path: string
  extra: (rpcPort: number) => Record<string, unknown>
}

function tinyApp(): App {
  const dir = mkdtempSync(join(tmpdir(), 'pionia-boot-tiny-'))
  mkdirSync(join(dir, 'node_modules'))
  symlinkSync(ROOT, join(dir, 'node_modules', 'pionia'))
  symlinkSync(join(ROOT, 'node_modules', 'tsx'), join(dir, 'node_modules', 'tsx'))
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}')
  copyFileSync(join(ROOT, 'test/fixtures/cli/app/worker.ts'), join(dir, 'worker.ts'))
  return { name: 'tiny app (1 module + pionia)', dir, path: '/api/v1/ping', extra: () => ({}) }
}

function deskflow(): App {
  const dir = mkdtempSync(join(tmpdir(), 'pionia-boot-deskflow-'))
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
  symlinkSync(join(ROOT, 'src'), join(dir, 'src'))
  cpSync(join(ROOT, 'app'), join(dir, 'app'), { recursive: true })
  cpSync(join(ROOT, 'environment'), join(dir, 'environment'), { recursive: true })
  copyFileSync(join(ROOT, 'worker.ts'), join(dir, 'worker.ts'))
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}')
  return {
    name: 'DeskFlow (worker.ts + app/ + src/)',
    dir,
    path: '/api/v1/ping',
    extra: (rpcPort) => ({ rpc: { listen: `tcp://127.0.0.1:${rpcPort}` }, kv: { cache: { driver: 'memory', config: {} } } }),
  }
}

async function bootOnce(app: App, command: string[]): Promise<number> {
  const port = await freePort()
  const config = join(app.dir, '.rr.yaml')
  writeFileSync(
    config,
    stringify({
      version: '3',
      server: { command, relay: 'pipes' },
      http: { address: `127.0.0.1:${port}`, pool: { num_workers: 1, allocate_timeout: '60s', destroy_timeout: '10s' } },
      logs: { mode: 'production', level: 'error' },
      ...app.extra(await freePort()),
    }),
  )
  const t0 = performance.now()
  const rr = spawn(rrBinary(), ['serve', '-c', config], { cwd: app.dir, stdio: ['ignore', 'ignore', 'inherit'] })
  let ms = NaN
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}${app.path}`)
      await res.arrayBuffer()
      if (res.status === 200) {
        ms = performance.now() - t0
        break
      }
    } catch {
      // not listening yet
    }
    if (rr.exitCode !== null) throw new Error(`rr exited (${rr.exitCode}) before ${app.name} answered`)
    await new Promise((r) => setTimeout(r, 5))
  }
  rr.kill('SIGTERM')
  await new Promise((r) => rr.once('exit', r))
  return ms
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const rows: string[] = []
for (const app of [tinyApp(), deskflow()]) {
  execFileSync(process.execPath, [join(ROOT, 'bin/pionia.js'), 'optimize'], { cwd: app.dir, stdio: 'inherit' })
  const loader: number[] = []
  const compiled: number[] = []
  for (let i = 0; i < rounds; i++) {
    loader.push(await bootOnce(app, ['node', '--import', 'tsx', 'worker.ts']))
    compiled.push(await bootOnce(app, ['node', 'build/worker.js']))
  }
  const l = median(loader)
  const c = median(compiled)
  rows.push(`| ${app.name} | ${l.toFixed(0)} ms | ${c.toFixed(0)} ms | ${(l / c).toFixed(2)}x |`)
  process.stderr.write(`${app.name}: loader ${loader.map((x) => x.toFixed(0)).join(', ')} / compiled ${compiled.map((x) => x.toFixed(0)).join(', ')}\n`)
  rmSync(app.dir, { recursive: true, force: true })
}
console.log(`rr spawn → first HTTP 200, median of ${rounds} (Node ${process.version})\n`)
console.log('| app | tsx loader | optimize (compiled JS) | loader / compiled |')
console.log('|---|---|---|---|')
for (const r of rows) console.log(r)
