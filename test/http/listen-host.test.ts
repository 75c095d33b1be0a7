import { describe, expect, it } from 'vitest'
import { hostless, urlHost } from '../../src/http/listen-host.js'

describe('listen host for host-less requests', () => {
  it('recognises rr\'s host-less URLs only', () => {
    expect(hostless('http:///api/v1/')).toBe(true)
    expect(hostless('https:///x')).toBe(true)
    expect(hostless('http://h/api')).toBe(false)
    expect(hostless('http://h/a:///b')).toBe(false)
  })

  it('turns rr\'s http.address into a URL host', () => {
    expect(urlHost('127.0.0.1:8080')).toBe('127.0.0.1:8080')
    expect(urlHost('0.0.0.0:8080')).toBe('0.0.0.0:8080')
    expect(urlHost(':8080')).toBe('localhost:8080')
    expect(urlHost('[::1]:8080')).toBe('[::1]:8080')
    expect(urlHost(' localhost:81 ')).toBe('localhost:81')
    expect(urlHost('bad host:1')).toBe('localhost')
  })
})
