import { describe, expect, it } from 'vitest'
import { loadDriver, MissingDriverError } from '../../src/moonlight/db/optional.js'

describe('optional database drivers', () => {
  it('names the package and the install command when a driver is missing', () => {
    let err: unknown
    try {
      loadDriver('pionia-no-such-driver', '12', 'SQLite')
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(MissingDriverError)
    expect((err as Error).message).toMatch(/^install pionia-no-such-driver@12 to use SQLite: npm install pionia-no-such-driver@12/)
  })

  it('loads an installed driver once', () => {
    const a = loadDriver<object>('better-sqlite3', '12', 'SQLite')
    expect(typeof a).toBe('function')
    expect(loadDriver<object>('better-sqlite3', '12', 'SQLite')).toBe(a)
  })
})
