/**
 * Centrifugo configs we ship or run are checked by Centrifugo itself (`checkconfig --strict` fails
 * on unknown keys, e.g. v5-style flat keys that v6 would silently ignore).
 */
import { afterAll, expect, test } from 'vitest'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from '../helpers/rr.js'
import { centrifugoBinary, centrifugoConfig } from './stack.js'

const dir = mkdtempSync(join(tmpdir(), 'pionia-cfcheck-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function check(name: string, config: string): string {
  const file = join(dir, name)
  writeFileSync(file, config)
  try {
    return execFileSync(centrifugoBinary(), ['checkconfig', '--strict', '-c', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string }
    throw new Error(`centrifugo checkconfig rejected ${name}: ${e.stdout ?? ''}${e.stderr ?? ''}`)
  }
}

test('the config the tests run passes checkconfig --strict', () => {
  expect(() => check('tests.json', JSON.stringify(centrifugoConfig({ httpPort: 18000, grpcPort: 18001, proxyPort: 18002, allowedOrigins: ['http://127.0.0.1:8000'] })))).not.toThrow()
})

test("the README's Realtime config passes checkconfig --strict", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('## Realtime'))
  const json = /```json\n([\s\S]*?)```/.exec(section)?.[1]
  expect(json).toBeTruthy()
  expect(() => check('readme.json', json!)).not.toThrow()
})

test('checkconfig --strict does reject an unknown (v5-style) key', () => {
  expect(() => check('v5.json', JSON.stringify({ proxy_connect_endpoint: 'grpc://127.0.0.1:30000' }))).toThrow(/unknown keys in config/)
})
