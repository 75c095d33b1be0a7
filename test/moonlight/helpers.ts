/** Shared helpers for Moonlight unit tests: a temp project root and a logger that records lines. */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Logger } from '../../src/moonlight/index.js'

export function tempRoot(ini = '', env = ''): { root: string; writeIni(text: string): void } {
  const root = mkdtempSync(join(tmpdir(), 'moonlight-'))
  mkdirSync(join(root, 'environment'))
  const writeIni = (text: string) => writeFileSync(join(root, 'environment', 'settings.ini'), text)
  writeIni(ini)
  writeFileSync(join(root, 'environment', '.env'), env)
  return { root, writeIni }
}

export interface Recorded {
  level: string
  message: string
  context?: Record<string, unknown>
}

export function recordingLogger(): Logger & { lines: Recorded[] } {
  const lines: Recorded[] = []
  const at = (level: string) => (message: string, context?: Record<string, unknown>) => void lines.push({ level, message, context })
  return { lines, info: at('info'), warn: at('warn'), error: at('error') }
}

export async function post(app: { fetch(r: Request): Promise<Response> }, body: unknown, init: { headers?: Record<string, string>; path?: string } = {}) {
  const res = await app.fetch(new Request(`http://localhost${init.path ?? '/api/v1/'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  }))
  return { status: res.status, headers: res.headers, body: (await res.json()) as any }
}
