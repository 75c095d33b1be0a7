/**
 * rr:setup's progress output: the release download (bytes and percent) and the Go build of rr
 * (modules fetched, packages compiled, elapsed), redrawn on a TTY and a line every 15 s on a pipe.
 * The build counter is also fed real go output: the package paths of a small program (`go list -deps`,
 * the lines `go build -v` prints as it compiles; a cold build itself takes minutes here).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildProgress, progressBar } from '../../src/cli/setup/progress.js'

/** A stream that keeps what was written. */
function sink(): { stream: NodeJS.WritableStream; text: () => string } {
  let out = ''
  return { stream: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream, text: () => out }
}

describe('download progress', () => {
  it('on a pipe: a line every 15 s with percent and MB, then 100% once', () => {
    let t = 0
    const s = sink()
    const bar = progressBar(s.stream, false, 'rr.tar.gz', () => t)
    const total = 40 * 1024 * 1024
    for (let sec = 1; sec <= 40; sec++) {
      t = sec * 1000
      bar.update(sec * 1024 * 1024, total)
    }
    bar.update(total, total)
    bar.end()
    expect(s.text().split('\n').filter(Boolean)).toEqual(['  rr.tar.gz: 37% (15.0/40.0 MB)', '  rr.tar.gz: 75% (30.0/40.0 MB)', '  rr.tar.gz: 100% (40.0/40.0 MB)'])
  })
  it('on a TTY: one line redrawn in place with bar, percent and MB', () => {
    let t = 0
    const s = sink()
    const bar = progressBar(s.stream, true, 'rr.tar.gz', () => t)
    bar.update(512 * 1024, 1024 * 1024)
    t = 200
    bar.update(1024 * 1024, 1024 * 1024)
    bar.end()
    expect(s.text()).toBe(`\r  rr.tar.gz [${'#'.repeat(15)}${'-'.repeat(15)}]  50% 0.5/1.0 MB\r  rr.tar.gz [${'#'.repeat(30)}] 100% 1.0/1.0 MB\n`)
  })
})

describe('Go build progress', () => {
  it('counts modules and packages from go output, passes other lines through, a status line every 15 s on a pipe', () => {
    let t = 0
    const s = sink()
    const p = buildProgress(s.stream, false, () => t)
    p.line('build-rr: building rr 2025.1.15 with go1.26')
    for (let i = 0; i < 20; i++) {
      t += 1000
      p.line(`go: downloading github.com/roadrunner-server/mod${i} v1.0.${i}`)
    }
    t += 60_000 // a silent step (linking): the timer's tick still reports
    p.tick()
    p.line('github.com/roadrunner-server/http/v5/handler')
    p.end()
    expect(p.modules).toBe(20)
    expect(p.packages).toBe(1)
    expect(s.text().split('\n').filter(Boolean)).toEqual([
      '  build-rr: building rr 2025.1.15 with go1.26',
      '  Building rr: 15 modules fetched, 0 packages compiled, 15s',
      '  Building rr: 20 modules fetched, 0 packages compiled, 1m20s',
      '  Building rr: 20 modules fetched, 1 package compiled, 1m20s',
    ])
  })

  it("counts the package lines go prints (go list -deps: go build -v's format, without compiling); on a TTY the status is redrawn in place", () => {
    const go = existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go'
    const dir = mkdtempSync(join(tmpdir(), 'pionia-gomod-'))
    try {
      writeFileSync(join(dir, 'go.mod'), 'module example.com/tiny\n\ngo 1.22\n')
      writeFileSync(join(dir, 'main.go'), 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n')
      const r = spawnSync(go, ['list', '-deps', '.'], { cwd: dir, env: { ...process.env, GOFLAGS: '-mod=readonly', GOTOOLCHAIN: 'local' }, encoding: 'utf8' })
      expect(r.status, r.stderr).toBe(0)
      const lines = r.stdout.split('\n').filter(Boolean)
      expect(lines).toContain('fmt')
      expect(lines).toContain('example.com/tiny')
      let t = 0
      const s = sink()
      const p = buildProgress(s.stream, true, () => (t += 50))
      for (const l of lines) p.line(l)
      p.end()
      expect(p.packages).toBe(lines.length)
      expect(p.modules).toBe(0)
      const out = s.text()
      expect(out).toMatch(/^\r {2}Building rr: 0 modules fetched, 1 package compiled, 0s\x1b\[K/)
      expect(out.endsWith(`  Building rr: 0 modules fetched, ${lines.length} packages compiled, ${Math.floor(t / 1000)}s\n`)).toBe(true)
      expect(out.split('\n')).toHaveLength(2) // one redrawn line, then the final status
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
