/**
 * rr's RPC (no authentication) stays on loopback in every config we ship, and runserver warns when a
 * config or an -o override puts it elsewhere. The warning test never starts rr on a public address:
 * the HTTP port is taken, so runserver stops after the warning.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { parse } from 'yaml'
import { ROOT, freePort } from '../helpers/rr.js'
import { defaultRrYaml } from '../../src/cli/templates/rr-yaml.js'
import { isLoopbackListen, rpcExposureWarning, rpcListen } from '../../src/cli/rr/rpc-exposure.js'
import { makeProject, rrConfig, type Project } from '../cli/_project.js'

const shipped: [string, Record<string, unknown>][] = [
  ['.rr.yaml (DeskFlow)', parse(readFileSync(join(ROOT, '.rr.yaml'), 'utf8')) as Record<string, unknown>],
  ['rr:setup default template', parse(defaultRrYaml()) as Record<string, unknown>],
  ['rr:setup template with an address', parse(defaultRrYaml({ address: '0.0.0.0:8080' })) as Record<string, unknown>],
]

describe('shipped configs', () => {
  it.each(shipped)('%s: rpc.listen on loopback, metrics too', (_name, config) => {
    const listen = rpcListen(config)
    expect(listen).toBeDefined()
    expect(isLoopbackListen(listen!)).toBe(true)
    expect(rpcExposureWarning(config)).toBeUndefined()
    const metrics = (config.metrics as { address?: string } | undefined)?.address
    if (metrics) expect(isLoopbackListen(metrics)).toBe(true)
  })
})

describe('rpcExposureWarning', () => {
  it('flags every non-loopback address and nothing else', () => {
    for (const bad of ['tcp://0.0.0.0:6001', 'tcp://:6001', '0.0.0.0:6001', 'tcp://192.168.1.10:6001', 'tcp://[::]:6001', 'tcp://example.com:6001']) {
      expect(rpcExposureWarning({ rpc: { listen: bad } }), bad).toContain(bad)
    }
    for (const ok of ['tcp://127.0.0.1:6001', 'tcp://localhost:6001', 'tcp://[::1]:6001', 'tcp://127.0.0.2:7000', 'unix:///tmp/rr-rpc.sock']) {
      expect(rpcExposureWarning({ rpc: { listen: ok } }), ok).toBeUndefined()
    }
    expect(rpcExposureWarning({})).toBeUndefined() // no rpc section: rr has no RPC
    expect(rpcExposureWarning({ rpc: {} })).toBeUndefined() // rr's default 127.0.0.1:6001
    expect(rpcExposureWarning({ rpc: { listen: 'tcp://127.0.0.1:6001' } }, ['rpc.listen=tcp://0.0.0.0:6001'])).toContain('0.0.0.0')
    expect(rpcExposureWarning({ rpc: { listen: 'tcp://0.0.0.0:6001' } }, ['rpc.listen=tcp://127.0.0.1:6001'])).toBeUndefined()
  })
})

describe('runserver', () => {
  const projects: Project[] = []
  const servers: Server[] = []
  afterAll(() => {
    for (const p of projects) p.remove()
    for (const s of servers) s.close()
  })

  async function takenPortProject(rpcListenValue: string): Promise<Project> {
    const port = await freePort()
    const s = createServer()
    await new Promise<void>((r) => s.listen(port, '127.0.0.1', () => r()))
    servers.push(s)
    const p = makeProject({ rrYaml: rrConfig(port, { rpc: { listen: rpcListenValue } }) })
    projects.push(p)
    return p
  }

  it('warns when rpc.listen is not loopback (config or -o), and not when it is', async () => {
    const exposed = await takenPortProject('tcp://0.0.0.0:6001')
    for (const args of [['runserver'], ['runserver', '--detach']]) {
      const r = await exposed.run(args)
      expect(r.stderr).toContain("Warning: rr's RPC listens on tcp://0.0.0.0:6001")
      expect(r.stderr).toContain('listen: tcp://127.0.0.1:6001')
      expect(r.stderr).toContain('already in use') // and rr was never started
    }
    const safe = await takenPortProject('tcp://127.0.0.1:6001')
    const quiet = await safe.run(['runserver'])
    expect(quiet.stderr).toContain('already in use')
    expect(quiet.stderr).not.toContain("rr's RPC listens")
    const overridden = await safe.run(['runserver', '-o', 'rpc.listen=tcp://0.0.0.0:6009'])
    expect(overridden.stderr).toContain("Warning: rr's RPC listens on tcp://0.0.0.0:6009")
  })
})
