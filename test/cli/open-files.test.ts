/**
 * runserver and the open-files limit: rr gets this process's hard limit (it raises its soft limit
 * to it), and runserver warns with the fix when that is under MIN_OPEN_FILES.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import { freePort } from '../helpers/rr.js'
import { MIN_OPEN_FILES, openFilesLimit, openFilesWarning, parseLimits } from '../../src/cli/rr/open-files.js'
import { BIN, rrConfig, useProjects } from './_project.js'

const project = useProjects()

describe('open files limit', () => {
  it('reads the limits from /proc and warns only under MIN_OPEN_FILES', () => {
    const text = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 4096                 files\n'
    expect(parseLimits(text)).toEqual({ soft: 1024, hard: 4096 })
    expect(parseLimits('Max open files            unlimited            unlimited            files')).toEqual({ soft: Infinity, hard: Infinity })
    expect(openFilesWarning({ soft: 1024, hard: 4096 })).toContain('The open files limit is 4096')
    expect(openFilesWarning({ soft: 1024, hard: 4096 })).toContain('ulimit -Hn 65536')
    // The soft limit alone does not matter: rr raises it to the hard limit.
    expect(openFilesWarning({ soft: 1024, hard: MIN_OPEN_FILES })).toBeUndefined()
    expect(openFilesWarning(undefined)).toBeUndefined()
    expect(openFilesLimit()!.hard).toBeGreaterThan(0)
  })

  it('runserver --detach under a hard limit of 1024 warns with the fix; rr runs with its soft limit raised to that hard limit', async () => {
    const port = await freePort()
    const p = project({ rrYaml: rrConfig(port) })
    const env = { NO_COLOR: '1', PORT: '', SERVER_PORT: '', HOST: '', SERVER_HOST: '' }
    // bash lowers soft and hard to 1024, then runs the CLI as a user's shell would.
    const r = await execa('bash', ['-c', 'ulimit -n 1024 && ulimit -Sn 256 && exec "$0" "$@"', process.execPath, BIN, 'runserver', '--detach'], { cwd: p.dir, reject: false, env })
    expect(r.exitCode, String(r.stderr)).toBe(0)
    expect(r.stderr).toContain('The open files limit is 1024: rr can hold about 1004 client connections at once')
    expect(r.stderr).toContain('LimitNOFILE=65536')
    const { pid } = JSON.parse(readFileSync(join(p.dir, '.rr.runtime.json'), 'utf8')) as { pid: number }
    const rr = openFilesLimit(pid)!
    expect(rr.hard).toBe(1024)
    expect(rr.soft).toBeGreaterThan(256) // Go raised it (to 1023 or 1024)
    expect((await p.run(['stopserver'])).exitCode).toBe(0)
    if (openFilesLimit()!.hard >= MIN_OPEN_FILES) {
      const ok = await p.run(['runserver', '--detach'])
      expect(ok.exitCode, ok.stderr).toBe(0)
      expect(ok.stderr).not.toContain('open files limit')
      expect((await p.run(['stopserver'])).exitCode).toBe(0)
    }
  }, 90_000)
})
