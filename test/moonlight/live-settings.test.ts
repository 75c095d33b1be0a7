/**
 * LiveSettings: the settings snapshot each request sees. A change to settings.ini applies from the
 * next request on, whether it is noticed by a stat per request (outside rr) or by watching the
 * folder (in an rr worker, where requests arrive through rr's pipe after the change event).
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Settings } from '../../src/config/settings.js'
import { LiveSettings, RECHECK_MS } from '../../src/moonlight/settings/index.js'

const roots: string[] = []
const open: LiveSettings[] = []
afterEach(() => {
  for (const l of open.splice(0)) l.close()
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true })
})

function project(ini: string): { root: string; iniPath: string } {
  const root = mkdtempSync(join(tmpdir(), 'pionia-live-'))
  roots.push(root)
  mkdirSync(join(root, 'environment'))
  const iniPath = join(root, 'environment', 'settings.ini')
  writeFileSync(iniPath, ini)
  return { root, iniPath }
}

function live(root: string, watch: boolean): LiveSettings {
  const l = new LiveSettings(new Settings(root), { watch })
  open.push(l)
  return l
}

/** Lets the event loop deliver the file system's change events (they are ready at once). */
const events = () => new Promise((r) => setTimeout(r, 50))

describe('LiveSettings', () => {
  it('outside rr: a change written in the same tick applies to the next request (a stat per request)', () => {
    const { root, iniPath } = project('[maintenance]\nENABLED = false\n')
    const l = live(root, false)
    expect(l.watching).toBe(false)
    const a = l.current()
    expect(l.current()).toBe(a)
    writeFileSync(iniPath, '[maintenance]\nENABLED = true\n')
    expect(l.current().get('maintenance', 'ENABLED')).toBe('true')
  })

  it('an rr worker watches the folder: the same snapshot without a stat until a change event, then the new values', async () => {
    const { root, iniPath } = project('[maintenance]\nENABLED = false\n')
    const l = live(root, true)
    expect(l.watching).toBe(true)
    const a = l.current()
    expect(a.get('maintenance', 'ENABLED')).toBe('false')
    expect(l.current()).toBe(a)
    writeFileSync(iniPath, '[maintenance]\nENABLED = true\n')
    // No stat per request: until the event is delivered, the snapshot stands.
    expect(l.current()).toBe(a)
    await events()
    expect(l.current().get('maintenance', 'ENABLED')).toBe('true')
  })

  it('watched: the environment is re-read once RECHECK_MS has passed, with no change event', async () => {
    const { root } = project('[x]\nA = 1\n')
    const l = live(root, true)
    expect(l.watching).toBe(true)
    process.env.PIONIA_LIVE_TICK = 'before'
    try {
      const a = l.current()
      expect(a.env('PIONIA_LIVE_TICK')).toBe('before')
      process.env.PIONIA_LIVE_TICK = 'after'
      expect(l.current()).toBe(a)
      await new Promise((r) => setTimeout(r, RECHECK_MS + 100))
      const b = l.current()
      expect(b).not.toBe(a)
      expect(b.env('PIONIA_LIVE_TICK')).toBe('after')
      expect(l.current()).toBe(b)
    } finally {
      delete process.env.PIONIA_LIVE_TICK
    }
  })

  it('sees a replace by rename (editors, deploys) and a Kubernetes ConfigMap swap of ..data', async () => {
    const { root, iniPath } = project('[cors]\nmax_age = 1\n')
    const l = live(root, true)
    expect(l.current().get('cors', 'max_age')).toBe('1')
    const tmp = join(root, 'environment', '.settings.ini.tmp')
    writeFileSync(tmp, '[cors]\nmax_age = 2\n')
    renameSync(tmp, iniPath)
    await events()
    expect(l.current().get('cors', 'max_age')).toBe('2')

    // ConfigMap layout: settings.ini -> ..data/settings.ini, ..data -> ..v1; an update swaps ..data.
    const k = project('')
    const env = join(k.root, 'environment')
    rmSync(k.iniPath)
    for (const [v, age] of [['..v1', '10'], ['..v2', '20']] as const) {
      mkdirSync(join(env, v))
      writeFileSync(join(env, v, 'settings.ini'), `[cors]\nmax_age = ${age}\n`)
    }
    symlinkSync('..v1', join(env, '..data'))
    symlinkSync(join('..data', 'settings.ini'), k.iniPath)
    const kl = live(k.root, true)
    expect(kl.current().get('cors', 'max_age')).toBe('10')
    symlinkSync('..v2', join(env, '..data_tmp'))
    renameSync(join(env, '..data_tmp'), join(env, '..data'))
    await events()
    expect(kl.current().get('cors', 'max_age')).toBe('20')
  })

  it('without the folder (or once closed) it takes a stat per request and still sees changes', () => {
    const root = mkdtempSync(join(tmpdir(), 'pionia-live-'))
    roots.push(root)
    const l = live(root, true)
    expect(l.watching).toBe(false)
    expect(l.current().get('maintenance', 'ENABLED')).toBeUndefined()
    mkdirSync(join(root, 'environment'))
    writeFileSync(join(root, 'environment', 'settings.ini'), '[maintenance]\nENABLED = true\n')
    expect(l.current().get('maintenance', 'ENABLED')).toBe('true')

    const p = project('[x]\nA = 1\n')
    const w = live(p.root, true)
    expect(w.watching).toBe(true)
    w.close()
    expect(w.watching).toBe(false)
    writeFileSync(p.iniPath, '[x]\nA = 22\n')
    expect(w.current().get('x', 'A')).toBe('22')
  })
})
