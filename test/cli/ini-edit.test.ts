import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { setIniKeys, updateIniFile } from '../../src/cli/ini-edit.js'
import { Settings } from '../../src/config/settings.js'

const INI = `; DeskFlow settings
[server]
PORT = 8000 ; the API port

[maintenance]
; toggled by npx pionia maintenance:on
enabled = false
MESSAGE = old

[jobs]
ENABLED = true
`

describe('setIniKeys', () => {
  it('updates keys in place (case-insensitive), adds new ones at the end of the section, keeps the rest', () => {
    const out = setIniKeys(INI, 'maintenance', { ENABLED: 'true', MESSAGE: 'Back at 5; promise', RETRY_AFTER: '120' })
    expect(out).toBe(`; DeskFlow settings
[server]
PORT = 8000 ; the API port

[maintenance]
; toggled by npx pionia maintenance:on
enabled = true
MESSAGE = "Back at 5; promise"
RETRY_AFTER = 120

[jobs]
ENABLED = true
`)
  })
  it('appends a missing section and removes keys set to null', () => {
    const out = setIniKeys('[server]\nPORT = 1\n', 'Maintenance', { ENABLED: 'true' })
    expect(out).toBe('[server]\nPORT = 1\n\n[Maintenance]\nENABLED = true\n')
    expect(setIniKeys(out, 'maintenance', { ENABLED: null })).toBe('[server]\nPORT = 1\n\n[Maintenance]\n')
  })
})

describe('updateIniFile', () => {
  it('writes atomically under a lock, and Settings reads the values back exactly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pionia-ini-'))
    const path = join(dir, 'environment', 'settings.ini')
    try {
      await updateIniFile(path, 'maintenance', { ENABLED: 'true', MESSAGE: 'We\'ll be back; "soon" # really', BYPASS_TOKEN: 'tok' })
      const s = new Settings(dir)
      expect(s.get('maintenance', 'message')).toBe('We\'ll be back; "soon" # really')
      expect(s.get('maintenance', 'enabled')).toBe('true')
      expect(existsSync(`${path}.lock`)).toBe(false)
      // Concurrent writers serialise on the lock: both keys land.
      await Promise.all([updateIniFile(path, 'a', { X: '1' }), updateIniFile(path, 'b', { Y: '2' })])
      const text = readFileSync(path, 'utf8')
      expect(text).toContain('[a]\nX = 1')
      expect(text).toContain('[b]\nY = 2')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
  it('takes over a lock abandoned long ago', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pionia-ini-'))
    const path = join(dir, 'settings.ini')
    try {
      writeFileSync(`${path}.lock`, '')
      const { utimesSync } = await import('node:fs')
      utimesSync(`${path}.lock`, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000))
      await updateIniFile(path, 'maintenance', { ENABLED: 'true' })
      expect(readFileSync(path, 'utf8')).toBe('[maintenance]\nENABLED = true\n')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
