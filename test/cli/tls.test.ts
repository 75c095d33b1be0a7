/**
 * TLS and HTTP/2 as the README's section sets them up, through the CLI and the real rr: the banner
 * names every listener with its scheme (HTTPS, h2c) and says when a setting overrides .rr.yaml's
 * http.address; `curl --http2 -k` answers over HTTP/2; the product page's mistake (HTTPS and plain
 * HTTP on one port) is refused before rr starts, naming the keys.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { freePort } from '../helpers/rr.js'
import { rrConfig, useProjects } from './_project.js'

const project = useProjects((p) => p.run(['stopserver', '--force']))

function selfSigned(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' })
  return { cert, key }
}

const curl = (args: string[]): string => execFileSync('curl', ['-s', '--max-time', '10', '-w', '\n%{http_version} %{http_code}', ...args], { encoding: 'utf8' })

describe('runserver with ssl + http2 (real rr)', () => {
  it('the banner lists HTTP (h2c, overridden by [roadrunner] PORT) and HTTPS; curl --http2 -k answers over HTTP/2', async () => {
    const [yamlPort, iniPort, tlsPort] = [await freePort(), await freePort(), await freePort()]
    const p = project({ rrYaml: rrConfig(yamlPort) })
    const { cert, key } = selfSigned(p.dir)
    const base = rrConfig(yamlPort) as { http: Record<string, unknown> }
    const { stringify } = await import('yaml')
    writeFileSync(join(p.dir, '.rr.yaml'), stringify({ version: '3', ...base, http: { ...base.http, http2: { h2c: true }, ssl: { address: `127.0.0.1:${tlsPort}`, cert, key } } }))
    mkdirSync(join(p.dir, 'environment'))
    writeFileSync(join(p.dir, 'environment/settings.ini'), `[roadrunner]\nPORT = ${iniPort}\n`)

    const start = await p.run(['runserver', '--detach'])
    expect(start.exitCode, start.stdout + start.stderr).toBe(0)
    expect(start.stdout).toContain(
      `  HTTP:     http://127.0.0.1:${iniPort}  (h2c: HTTP/2 without TLS, for local tests; http.address from [roadrunner] PORT/HOST in environment/settings.ini; .rr.yaml says 127.0.0.1:${yamlPort})\n`,
    )
    expect(start.stdout).toContain(`  HTTPS:    https://127.0.0.1:${tlsPort}  (HTTP/1.1 and HTTP/2; http.ssl.address)\n`)

    // the README's check, and h2c on the plain address
    let out = ''
    for (let i = 0; i < 50 && !out.endsWith('2 200'); i++) {
      try {
        out = curl(['--http2', '-k', `https://127.0.0.1:${tlsPort}/api/v1/ping`])
      } catch {
        await new Promise((r) => setTimeout(r, 200)) // rr's HTTPS listener comes up after the plain one
      }
    }
    expect(out.endsWith('\n2 200'), out).toBe(true)
    expect(JSON.parse(out.slice(0, out.lastIndexOf('\n')))).toMatchObject({ returnMessage: 'pong' })
    expect(curl(['--http2-prior-knowledge', `http://127.0.0.1:${iniPort}/api/v1/ping`]).endsWith('\n2 200')).toBe(true)
    expect((await p.run(['stopserver'])).stdout).toContain('RoadRunner stopped.')
  })

  it("refuses the product page's layout (HTTPS and plain HTTP on one port) before starting rr, naming the keys", async () => {
    const port = await freePort()
    const p = project({ rrYaml: false })
    const { cert, key } = selfSigned(p.dir)
    const base = rrConfig(port) as { http: Record<string, unknown> }
    const { stringify } = await import('yaml')
    // http.address on the HTTPS port, ssl.address left to rr's default 127.0.0.1:443
    writeFileSync(join(p.dir, '.rr.yaml'), stringify({ version: '3', ...base, http: { ...base.http, address: '0.0.0.0:443', http2: { h2c: false }, ssl: { cert, key } } }))
    const r = await p.run(['runserver'])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toContain("HTTPS (127.0.0.1:443, rr's default http.ssl.address) and plain HTTP (0.0.0.0:443, http.address) would listen on the same port 443")
    expect(r.stderr).toContain('HTTPS listens on http.ssl.address')
    expect(r.stdout).not.toContain('Starting RoadRunner')
  })
})
