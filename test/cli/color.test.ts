import { describe, expect, it } from 'vitest'
import { painter, useColor } from '../../src/cli/util/color.js'

const tty = { isTTY: true } as unknown as NodeJS.WritableStream
const pipe = { isTTY: false } as unknown as NodeJS.WritableStream

describe('useColor', () => {
  it('colours a TTY only; NO_COLOR and TERM=dumb switch it off, FORCE_COLOR on', () => {
    expect(useColor(tty, {})).toBe(true)
    expect(useColor(pipe, {})).toBe(false)
    expect(useColor(tty, { NO_COLOR: '1' })).toBe(false)
    expect(useColor(tty, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false)
    expect(useColor(tty, { TERM: 'dumb' })).toBe(false)
    expect(useColor(pipe, { FORCE_COLOR: '1' })).toBe(true)
    expect(useColor(pipe, { FORCE_COLOR: '0' })).toBe(false)
  })
  it('painter wraps in ANSI only when enabled', () => {
    expect(painter(true)('red', 'x')).toBe('\x1b[31mx\x1b[0m')
    expect(painter(false)('red', 'x')).toBe('x')
  })
})
