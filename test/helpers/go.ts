/**
 * Builds (once, cached by source hash in the user cache) the small Go programs under test/go/ that
 * cross-check pionia against rr's own Go libraries.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, mkdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from './rr.js'

export function goProgram(name: string, base = 'test/go'): string {
  const dir = join(ROOT, base, name)
  const h = createHash('sha256')
  for (const f of readdirSync(dir).sort()) h.update(f).update(readFileSync(join(dir, f)))
  const cache = process.env.PIONIA_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'pionia')
  const out = join(cache, 'go-test', `${name}-${h.digest('hex').slice(0, 12)}`)
  if (!existsSync(out)) {
    mkdirSync(join(cache, 'go-test'), { recursive: true })
    const go = existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go'
    execFileSync(go, ['build', '-o', out, '.'], {
      cwd: dir,
      env: { ...process.env, GONOSUMDB: 'github.com/roadrunner-server', GOFLAGS: '-mod=readonly', CGO_ENABLED: '0' },
      stdio: ['ignore', 'inherit', 'inherit'],
    })
  }
  return out
}
