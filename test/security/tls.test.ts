/**
 * A TLS config whose key or cert file is missing: rr refuses to start with an error naming the file,
 * and `pionia runserver` (foreground and --detach) passes that line on instead of hanging or hiding it.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { parse, stringify } from 'yaml'
import { join } from 'node:path'
import { freePort, startRr } from '../helpers/rr.js'
import { makeProject, rrConfig, startCli, stopAll, type Project } from '../cli/_project.js'

const projects: Project[] = []
afterAll(async () => {
  await stopAll()
  for (const p of projects) p.remove()
})

/** rr's exit code once it has exited. */
const exitCode = (rr: Awaited<ReturnType<typeof startRr>>) =>
  new Promise<number | null>((r) => (rr.process.exitCode !== null ? r(rr.process.exitCode) : rr.process.once('exit', (c) => r(c))))

async function tlsProject(files: { key: boolean; cert: boolean }): Promise<{ p: Project; key: string; cert: string }> {
  const [http, https] = [await freePort(), await freePort()]
  const p = makeProject({ rrYaml: rrConfig(http) })
  projects.push(p)
  const key = join(p.dir, 'certs', 'missing-server.key')
  const cert = join(p.dir, 'certs', 'missing-server.crt')
  if (files.key || files.cert) {
    mkdirSync(join(p.dir, 'certs'))
    if (files.key) writeFileSync(key, 'not really a key\n')
    if (files.cert) writeFileSync(cert, 'not really a cert\n')
  }
  const config = rrConfig(http, {}) as { http: Record<string, unknown> }
  config.http.ssl = { address: `127.0.0.1:${https}`, key, cert }
  writeFileSync(join(p.dir, '.rr.yaml'), stringify({ version: '3', ...config }))
  return { p, key, cert }
}

describe('TLS config with a missing file', () => {
  it('rr serve exits non-zero naming the missing key, then the missing cert', async () => {
    const a = await tlsProject({ key: false, cert: false })
    const config = parse(readFileSync(join(a.p.dir, '.rr.yaml'), 'utf8')) as Record<string, unknown>
    delete config.version
    const rrA = await startRr({ config, cwd: a.p.dir })
    expect(await exitCode(rrA)).not.toBe(0)
    expect(rrA.output()).toContain(`key file '${a.key}' does not exists`)

    const b = await tlsProject({ key: true, cert: false })
    const configB = parse(readFileSync(join(b.p.dir, '.rr.yaml'), 'utf8')) as Record<string, unknown>
    delete configB.version
    const rrB = await startRr({ config: configB, cwd: b.p.dir })
    expect(await exitCode(rrB)).not.toBe(0)
    expect(rrB.output()).toContain(`cert file '${b.cert}' does not exists`)
  })

  it('runserver in the foreground shows the line and exits non-zero', async () => {
    const { p, cert } = await tlsProject({ key: true, cert: false })
    const run = startCli(p, ['runserver'])
    const result = await run.proc
    expect(result.exitCode).not.toBe(0)
    expect(run.output()).toContain(cert)
  })

  it('runserver --detach reports the start failure with the line naming the file', async () => {
    const { p, key } = await tlsProject({ key: false, cert: false })
    const r = await p.run(['runserver', '--detach'])
    expect(r.exitCode).not.toBe(0)
    expect(r.stderr + r.stdout).toContain('RoadRunner exited during start')
    expect(r.stderr + r.stdout).toContain(key)
  })
})
