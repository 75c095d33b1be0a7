/**
 * No merge-conflict markers in tracked files. Type-checking misses them inside template strings
 * (a `.rr.yaml` template once shipped with them and every written config was invalid YAML).
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../helpers/rr.js'

describe('repository', () => {
  it('has no merge-conflict markers in any tracked text file', () => {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean)
    const marker = /^(<{7}|>{7}) |^={7}$/m
    const hits: string[] = []
    for (const file of files) {
      if (/\.(png|jpg|ico|sqlite3|gz|woff2?)$/.test(file) || file.endsWith('go.sum')) continue
      let text: string
      try {
        text = readFileSync(join(ROOT, file), 'utf8')
      } catch {
        continue // listed but absent in this checkout
      }
      const m = marker.exec(text)
      if (m) hits.push(`${file}:${text.slice(0, m.index).split('\n').length}`)
    }
    expect(hits).toEqual([])
  })
})
