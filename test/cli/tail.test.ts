import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { follow, tailLines } from '../../src/cli/tail.js'

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe('tailLines', () => {
  it('returns the last n complete lines and keeps a partial last line apart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pionia-tail-'))
    try {
      const f = join(dir, 'log')
      writeFileSync(f, 'a\nb\nc\npart')
      expect(tailLines(f, 2)).toEqual({ lines: ['b', 'c'], offset: 6, partial: 'part' })
      expect(tailLines(f, 0).lines).toEqual([])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('follow', () => {
  it('follows appends, truncation, rotation and deletion/recreation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pionia-tail-'))
    const f = join(dir, 'roadrunner.log')
    writeFileSync(f, 'old line\n')
    let seen = ''
    const ac = new AbortController()
    const done = follow(f, tailLines(f, 0).offset, (c) => (seen += c.toString()), ac.signal)
    try {
      appendFileSync(f, 'one\n')
      await until(() => seen.includes('one\n'), 'an appended line')
      expect(seen).not.toContain('old line')

      truncateSync(f, 0)
      appendFileSync(f, 'after truncate\n')
      await until(() => seen.includes('after truncate\n'), 'a line after truncation')

      renameSync(f, `${f}.1`)
      writeFileSync(f, 'rotated\n')
      await until(() => seen.includes('rotated\n'), 'the rotated file')

      rmSync(f)
      await new Promise((r) => setTimeout(r, 300))
      writeFileSync(f, 'recreated\n')
      await until(() => seen.includes('recreated\n'), 'the recreated file')
      expect(seen).toBe('one\nafter truncate\nrotated\nrecreated\n')
    } finally {
      ac.abort()
      await done
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
