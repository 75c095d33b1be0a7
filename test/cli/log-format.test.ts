import { describe, expect, it } from 'vitest'
import { MAX_LOG_LINE, formatDuration, formatLogLine, formatSize, LogLineWriter } from '../../src/cli/log-format.js'

const SPEC_LINE =
  '2026-07-01T13:18:42+0000  INFO  http  http log  {"status":200,"method":"GET","URI":"/__pionia/pionia_logo.webp","write_bytes":21988,"elapsed":8}'

describe('formatLogLine (the spec vectors)', () => {
  it('formats the PHP test line: time, method padded to 6, uri, status, size padded to 8, duration', () => {
    expect(formatLogLine(SPEC_LINE)).toBe('13:18:42  GET     /__pionia/pionia_logo.webp  200  21.5 KB   8ms')
  })

  it('formats the doc example with the code padding (4 spaces after 1.2 KB)', () => {
    const line = '2026-07-01T13:18:42+0000  INFO  http  http log  {"status":200,"method":"GET","URI":"/api/v1/ping","write_bytes":1229,"elapsed":4}'
    expect(formatLogLine(line)).toBe('13:18:42  GET     /api/v1/ping  200  1.2 KB    4ms')
  })

  it('prefers data.start for the time, then the first token, else --:--:--', () => {
    const base = { status: 200, method: 'POST', URI: '/x', write_bytes: 0, elapsed: 1 }
    expect(formatLogLine(`2026-07-01T01:02:03+0000 INFO http http log ${JSON.stringify({ ...base, start: '2026-07-01T09:08:07+0000' })}`)).toMatch(/^09:08:07  POST  /)
    expect(formatLogLine(`nothing ${JSON.stringify(base)}`)).toMatch(/^--:--:--  POST  /)
  })

  it('falls back from URI to URL to request to /', () => {
    expect(formatLogLine(`t {"status":200,"method":"GET","URL":"/from-url","elapsed":1}`)).toContain('  /from-url  ')
    expect(formatLogLine(`t {"status":200,"method":"GET","request":"/from-request","elapsed":1}`)).toContain('  /from-request  ')
    expect(formatLogLine(`t {"status":200,"method":"GET","elapsed":1}`)).toContain('GET     /  200')
  })

  it('colours the status only when asked: green <300, yellow 3xx/4xx, red >=500', () => {
    const line = (s: number): string => `13:00:00 INFO http http log {"status":${s},"method":"GET","URI":"/","elapsed":1}`
    expect(formatLogLine(line(200), { color: true })).toContain('\x1b[32m200\x1b[0m')
    expect(formatLogLine(line(302), { color: true })).toContain('\x1b[33m302\x1b[0m')
    expect(formatLogLine(line(404), { color: true })).toContain('\x1b[33m404\x1b[0m')
    expect(formatLogLine(line(503), { color: true })).toContain('\x1b[31m503\x1b[0m')
    expect(formatLogLine(line(503))).not.toContain('\x1b[')
  })

  it('formats non-JSON lines as time, level(5), channel(8), message', () => {
    expect(formatLogLine('2026-07-01T13:18:42+0000\tWARN\tserver\tworker is slow')).toBe('13:18:42  WARN   server    worker is slow')
  })

  it('returns lines it cannot read unchanged', () => {
    expect(formatLogLine('[INFO] RoadRunner server started; version: 2025.1.15')).toBe('[INFO] RoadRunner server started; version: 2025.1.15')
    expect(formatLogLine('plain')).toBe('plain')
  })

  it('formats other JSON lines as time level channel message (message from JSON, else the text)', () => {
    expect(formatLogLine('2026-07-01T13:18:42+0000  INFO  jobs  pipeline active  {"pipeline":"moonlight"}')).toBe('13:18:42  INFO   jobs      pipeline active')
    expect(formatLogLine('2026-07-01T13:18:42+0000  ERROR  server  ignored  {"message":"from json"}')).toBe('13:18:42  ERROR  server    from json')
  })

  it('reads rr production (JSON) lines', () => {
    const ts = new Date(2026, 6, 1, 13, 18, 42).getTime() * 1e6
    const http = JSON.stringify({ level: 'info', ts, logger: 'http', msg: 'http log', status: 201, method: 'PUT', URI: '/p', write_bytes: 2048, start: ts, elapsed: 1500 })
    expect(formatLogLine(http)).toBe('13:18:42  PUT     /p  201  2 KB      1.50s')
    const other = JSON.stringify({ level: 'warn', ts, logger: 'server', msg: 'no free workers' })
    expect(formatLogLine(other)).toBe('13:18:42  WARN   server    no free workers')
  })
})

describe('sizes and durations', () => {
  it('prints B, KB, MB with one decimal and no trailing .0', () => {
    expect(formatSize(0)).toBe('0 B')
    expect(formatSize(1023)).toBe('1023 B')
    expect(formatSize(2048)).toBe('2 KB')
    expect(formatSize(21988)).toBe('21.5 KB')
    expect(formatSize(5 * 1024 * 1024 + 100)).toBe('5 MB')
    expect(formatSize(1.25 * 1024 * 1024)).toBe('1.3 MB')
  })

  it('truncates elapsed ms, switches to seconds at 1000, reads request_time seconds, else -', () => {
    expect(formatDuration({ elapsed: 4.9 })).toBe('4ms')
    expect(formatDuration({ elapsed: 1500 })).toBe('1.50s')
    expect(formatDuration({ request_time: 0.0125 })).toBe('13ms')
    expect(formatDuration({ request_time: 2.5 })).toBe('2.50s')
    expect(formatDuration({})).toBe('-')
  })
})

describe('LogLineWriter', () => {
  it('emits nothing before the newline, strips \\r, drops empty lines, flushes a partial line', () => {
    const out: string[] = []
    const w = new LogLineWriter((l) => out.push(l), { raw: true })
    w.push('first part')
    expect(out).toEqual([])
    w.push(' done\r\n\n\nsecond')
    expect(out).toEqual(['first part done'])
    w.flush()
    expect(out).toEqual(['first part done', 'second'])
  })

  it('keeps a multi-byte character split across chunks intact', () => {
    const out: string[] = []
    const w = new LogLineWriter((l) => out.push(l), { raw: true })
    const bytes = Buffer.from('café ✓\n')
    w.push(bytes.subarray(0, 4))
    w.push(bytes.subarray(4))
    expect(out).toEqual(['café ✓'])
  })

  it('formats unless raw', () => {
    const out: string[] = []
    new LogLineWriter((l) => out.push(l)).push(`${SPEC_LINE}\n`)
    new LogLineWriter((l) => out.push(l), { raw: true }).push(`${SPEC_LINE}\n`)
    expect(out).toEqual(['13:18:42  GET     /__pionia/pionia_logo.webp  200  21.5 KB   8ms', SPEC_LINE])
  })
})

describe('secrets in request URIs', () => {
  it('masks the maintenance bypass token and other secret query values in formatted access lines', () => {
    const line =
      '2026-07-01T13:18:42+0000  INFO  http  http log  {"status":200,"method":"GET","URI":"/api/v1/ping?json&bypass=let-me-in&x=1&token=abc","write_bytes":5,"elapsed":4}'
    const out = formatLogLine(line)
    expect(out).toContain('/api/v1/ping?json&bypass=***&x=1&token=***')
    expect(out).not.toContain('let-me-in')
    expect(out).not.toContain('abc')
  })
})

describe('line length bound', () => {
  it('a 1 MB query string in an http log line is cut to MAX_LOG_LINE characters, with the count of what was cut', () => {
    const uri = `/api/v1/?q=${'a'.repeat(1_000_000)}`
    const line = `2026-07-01T13:18:42+0000\tINFO\thttp\thttp log\t${JSON.stringify({ status: 200, method: 'GET', URI: uri, write_bytes: 5, elapsed: 4 })}`
    const out = formatLogLine(line)
    expect(out.length).toBeLessThan(MAX_LOG_LINE + 200)
    expect(out.startsWith('13:18:42  GET     /api/v1/?q=aaa')).toBe(true)
    expect(out).toMatch(/… \(\d+ more characters cut; runserver:logs --raw or the log file has the full line\)$/)
    const plain = formatLogLine(`2026-07-01T13:18:42+0000 INFO server ${'b'.repeat(100_000)}`)
    expect(plain.length).toBeLessThan(MAX_LOG_LINE + 200)
    expect(formatLogLine('2026-07-01T13:18:42+0000 INFO server short').length).toBeLessThan(60) // short lines are not touched
  })
})
