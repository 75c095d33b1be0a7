/**
 * A throwaway DeskFlow project root for tests: a copy of environment/settings.ini plus a .env, in a
 * temp directory, so tests never touch the repository's settings or database.
 */
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { ROOT, freePort, nodeCommand } from '../helpers/rr.js'

export interface TempProject {
  root: string
  settingsPath: string
  /** Rewrites `[maintenance]` (keeps the rest of settings.ini). */
  setMaintenance(values: Record<string, string> | null): void
  /** Replaces a section's body (or appends the section). */
  setSection(name: string, body: Record<string, string>): void
  cleanup(): void
}

const SECRET = 'deskflow-test-secret-5c1e9a7b3f2d8046'

export function tempProject(options: { env?: Record<string, string>; settings?: string } = {}): TempProject {
  const root = mkdtempSync(join(tmpdir(), 'deskflow-'))
  mkdirSync(join(root, 'environment'))
  const settingsPath = join(root, 'environment', 'settings.ini')
  writeFileSync(settingsPath, options.settings ?? readFileSync(join(ROOT, 'environment', 'settings.ini'), 'utf8'))
  const env = { APP_NAME: 'deskflow-test', JWT_SECRET: SECRET, ...options.env }
  writeFileSync(join(root, 'environment', '.env'), Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n') + '\n')
  const setSection = (name: string, body: Record<string, string>) => {
    const text = readFileSync(settingsPath, 'utf8')
    const lines = text.split('\n')
    const out: string[] = []
    let skipping = false
    for (const line of lines) {
      const m = /^\s*\[([^\]]+)\]\s*$/.exec(line)
      if (m) skipping = m[1]!.toLowerCase() === name.toLowerCase()
      if (!skipping) out.push(line)
    }
    out.push(`[${name}]`, ...Object.entries(body).map(([k, v]) => `${k} = ${v}`), '')
    writeFileSync(settingsPath, out.join('\n'))
  }
  return {
    root,
    settingsPath,
    setSection,
    setMaintenance(values) {
      setSection('maintenance', values ?? { ENABLED: 'false' })
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true })
    },
  }
}

/**
 * The repository's .rr.yaml as an object for startRr: every listening address moved to a free
 * loopback port, `server.command` running the root worker.ts (with extra args, e.g. a marker to find
 * its processes), and `version` left to startRr.
 */
export async function repoRrConfig(workerArgs: string[] = []): Promise<{ config: Record<string, any>; httpPort: number }> {
  const config = parse(readFileSync(join(ROOT, '.rr.yaml'), 'utf8')) as Record<string, any>
  for (const section of Object.values(config)) {
    if (!section || typeof section !== 'object') continue
    if (typeof section.address === 'string') section.address = `127.0.0.1:${await freePort()}`
    if (typeof section.listen === 'string') section.listen = `tcp://127.0.0.1:${await freePort()}`
  }
  config.server.command = nodeCommand('worker.ts', ...workerArgs).join(' ')
  delete config.version
  return { config, httpPort: Number(String(config.http.address).split(':')[1]) }
}
