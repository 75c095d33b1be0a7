/**
 * parseQuery against PHP's parse_str. Every expected tree below is what PHP 8.2.36's
 * `parse_str($q, $o); json_encode($o)` printed for the same string (Debian php8.2-cli); the
 * randomised side-by-side check is scripts/php-parse-str-diff.ts (needs php on PATH).
 */
import { describe, expect, it } from 'vitest'
import { MAX_QUERY_DEPTH, MAX_QUERY_VARS, parseQuery } from '../../src/http/query.js'

const php: Array<[string, unknown]> = [
  ['a[]=1&a[]=2', { a: ['1', '2'] }],
  ['a[b][c]=1', { a: { b: { c: '1' } } }],
  ['a=1&a=2', { a: '2' }],
  ['a', { a: '' }],
  ['a=&b', { a: '', b: '' }],
  ['=x&&c=3', { c: '3' }],
  ['a.b=1&a b=2', { a_b: '2' }],
  [' x=1', { x: '1' }],
  ['a[b=1', { a_b: '1' }],
  ['a[b.c=1', { a_b_c: '1' }],
  ['a[b]c=1&d[x][=2', { a: { b: '1' }, d: { x: '2' } }],
  ['a[=1', { a_: '1' }],
  ['a]=1', { 'a]': '1' }],
  ['a[5]=x&a[]=y', { a: { 5: 'x', 6: 'y' } }],
  ['a[x]=1&a[]=2', { a: { x: '1', 0: '2' } }],
  ['a=1&a[]=2', { a: ['2'] }],
  ['a[]=1&a=2', { a: '2' }],
  ['a[ ]=1&a[ b]=2', { a: { 0: '1', ' b': '2' } }],
  ['a[0]=x&a[1]=y', { a: ['x', 'y'] }],
  ['a[1]=x&a[0]=y', { a: { 1: 'x', 0: 'y' } }],
  ['a[01]=x&a[-1]=y&a[]=z', { a: { '01': 'x', '-1': 'y', 0: 'z' } }],
  ['a[b][]=1&a[b][]=2&a[b][c]=3', { a: { b: { 0: '1', 1: '2', c: '3' } } }],
  ['x=%41+b%20c&y=%zz&%61=1', { x: 'A b c', y: '%zz', a: '1' }],
  ['a[][b]=1&a[][b]=2', { a: [{ b: '1' }, { b: '2' }] }],
  ['a[[b]]=1', { a: { '[b': '1' } }],
  ['a%5B%5D=1&a%5B%5D=2', { a: ['1', '2'] }],
  ['a[b]=1&a[b][c]=2', { a: { b: { c: '2' } } }],
  ['a[b][c]=2&a[b]=1', { a: { b: '1' } }],
  ['a.b[c.d]=1', { a_b: { 'c.d': '1' } }],
  ['q=caf%C3%A9&r=%E2%82%AC', { q: 'café', r: '€' }],
]

describe('parseQuery (PHP parse_str trees)', () => {
  it.each(php)('%s', (q, want) => {
    expect(parseQuery(q)).toEqual(want)
  })

  it('gives lists as arrays and other PHP arrays as objects', () => {
    expect(Array.isArray(parseQuery('a[]=1&a[]=2').a)).toBe(true)
    expect(Array.isArray(parseQuery('a[1]=x&a[0]=y').a)).toBe(false)
    expect(parseQuery('')).toEqual({})
  })

  it('keeps __proto__ as an own key and never touches a prototype', () => {
    const t = parseQuery('__proto__[x]=1&constructor[prototype][y]=2')
    expect(Object.getPrototypeOf(t)).toBe(Object.prototype)
    expect(Object.keys(t)).toEqual(['__proto__', 'constructor'])
    expect(JSON.stringify(t)).toBe('{"__proto__":{"x":"1"},"constructor":{"prototype":{"y":"2"}}}')
    expect(({} as Record<string, unknown>).x).toBeUndefined()
    const into: Record<string, unknown> = { cookie: 'c', a: 'from-cookie' }
    parseQuery('a[]=q&__proto__=p', into)
    expect(into).toEqual({ cookie: 'c', a: ['q'], ['__proto__']: 'p' })
    expect(Object.getPrototypeOf(into)).toBe(Object.prototype)
  })

  it('stops at PHP max_input_vars and drops variables nested deeper than max_input_nesting_level', () => {
    const many = Array.from({ length: MAX_QUERY_VARS + 5 }, (_, i) => `k${i}=1`).join('&')
    expect(Object.keys(parseQuery(many))).toHaveLength(MAX_QUERY_VARS)
    const ok = parseQuery(`x${'[a]'.repeat(MAX_QUERY_DEPTH)}=1`)
    expect(JSON.stringify(ok)).toContain('"1"')
    expect(parseQuery(`x${'[a]'.repeat(MAX_QUERY_DEPTH + 1)}=1&y=2`)).toEqual({ y: '2' })
  })
})
