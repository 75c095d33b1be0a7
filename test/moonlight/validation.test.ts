import { describe, expect, it } from 'vitest'
import { rules, validate, extendValidation, RequestData, ValidationError } from '../../src/moonlight/index.js'

const fails = (data: Record<string, unknown>, map: Record<string, string>): string => {
  try {
    rules(data, map)
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError)
    expect((err as ValidationError).code).toBe(422)
    return (err as Error).message
  }
  throw new Error(`expected ${JSON.stringify(data)} to fail ${JSON.stringify(map)}`)
}

describe('validation rule grammar', () => {
  it.each([
    [{}, { title: 'required' }, 'title is required'],
    [{ title: '' }, { title: 'required|string' }, 'title is required'],
    [{ title: 'Hi' }, { title: 'required|string|min:3' }, 'title must be at least 3 characters'],
    [{ title: 'x'.repeat(6) }, { title: 'max:5' }, 'title must be at most 5 characters'],
    [{ n: 12 }, { n: 'numeric|between:1,10' }, 'n must be between 1 and 10'],
    [{ n: 'abc' }, { n: 'integer' }, 'n must be an integer'],
    [{ n: '1.5' }, { n: 'int' }, 'n must be an integer'],
    [{ n: 'x' }, { n: 'number' }, 'n must be a number'],
    [{ b: 'maybe' }, { b: 'boolean' }, 'b must be true or false'],
    [{ s: 7 }, { s: 'string' }, 's must be a string'],
    [{ a: 'x' }, { a: 'array' }, 'a must be a list or an object'],
    [{ e: 'alex@' }, { e: 'email' }, 'e must be a valid email address'],
    [{ u: 'ftp//x' }, { u: 'url' }, 'u must be a valid URL'],
    [{ i: '300.1.1.1' }, { i: 'ip' }, 'i must be a valid IP address'],
    [{ s: 'Not A Slug' }, { s: 'slug' }, 's must be a valid slug (lowercase letters, digits and dashes)'],
    [{ u: 'nope' }, { u: 'uuid' }, 'u must be a valid UUID'],
    [{ u: 'nope' }, { u: 'ulid' }, 'u must be a valid ULID'],
    [{ c: '12345' }, { c: 'otp' }, 'c must be a 6-digit code'],
    [{ c: '123' }, { c: 'otp:4' }, 'c must be a 4-digit code'],
    [{ t: 'short' }, { t: 'token:10' }, 't must be a token of at least 10 letters, digits, - or _'],
    [{ p: 'password' }, { p: 'password' }, 'p must have at least 8 characters with letters and digits'],
    [{ d: '2026-13-45' }, { d: 'date' }, 'd must be a valid date (YYYY-MM-DD)'],
    [{ p: '+44 20 7946 0958' }, { p: 'phone:+256' }, 'p must be a valid phone number starting with +256'],
    [{ status: 'closed' }, { status: 'in:open,done,archived' }, 'status must be one of: open, done, archived'],
    [{ role: 'root' }, { role: 'not_in:root,admin' }, 'role must not be one of: root, admin'],
    [{ code: 'ab' }, { code: 'regex:/^[0-9]+$|^x$/' }, 'code has an invalid format'],
    [{ pw: 'a', pw_confirmation: 'b' }, { pw: 'confirmed' }, 'pw must match pw_confirmation'],
    [{ pw: 'a', again: 'b' }, { pw: 'matches:again' }, 'pw must match again'],
    [{ a: 'x' }, { b: 'required_with:a' }, 'b is required when a is present'],
    [{}, { b: 'required_without:a' }, 'b is required when a is missing'],
  ])('%j with %j fails: %s', (data, map, message) => {
    expect(fails(data, map)).toBe(message)
  })

  it('passes good input, and skips optional or nullable empty fields', () => {
    expect(() =>
      rules(
        {
          title: 'Ship it', n: '7', b: 'true', e: 'alex@northwind.studio', u: 'https://northwind.studio/x', i: '::1',
          s: 'deskflow-api', id: '0b8f8c5e-4a55-4f6e-9c59-8b7a6c7f6d5e', c: '123456', d: '2026-07-14', pw: 'a1', pw_confirmation: 'a1',
          code: 'x', list: [1, 2],
        },
        {
          title: 'required|string|min:3', n: 'integer|between:1,10', b: 'bool', e: 'email', u: 'url', i: 'ip', s: 'slug',
          id: 'uuid', c: 'otp', d: 'date', pw: 'confirmed', code: 'regex:/^[0-9]+$|^x$/', list: 'array|min:2',
          optional: 'string|min:3', nothing: 'nullable|email',
        },
      ),
    ).not.toThrow()
  })

  it('reads rules given as arrays, and reports an unknown rule as a programming error', () => {
    expect(fails({ t: 'a' }, { t: ['string', 'min:2'] as never })).toBe('t must be at least 2 characters')
    expect(() => rules({ t: 'a' }, { t: 'sparkly' })).toThrow(/Unknown validation rule "sparkly".*extendValidation/)
  })

  it('supports custom rules and the chainable validate()', () => {
    extendValidation('even', (v, f) => (Number(v) % 2 === 0 ? undefined : `${f} must be even`))
    expect(fails({ n: 3 }, { n: 'even' })).toBe('n must be even')
    expect(validate('email', new RequestData({ email: 'alex@northwind.studio' })).required().email().get()).toBe('alex@northwind.studio')
    expect(() => validate('age', { age: 'x' }).required().integer().get()).toThrow('age must be an integer')
  })
})

describe('typed data getters', () => {
  const d = new RequestData({ n: '42', f: '1.5', b: 'yes', j: '{"a":1}', l: 'a, b', s: 5, nested: { limit: 3 } })
  it('convert or throw 422 naming the field', () => {
    expect(d.getInt('n')).toBe(42)
    expect(d.getFloat('f')).toBe(1.5)
    expect(d.getBool('b')).toBe(true)
    expect(d.getJson('j')).toEqual({ a: 1 })
    expect(d.getArray('l')).toEqual(['a', 'b'])
    expect(d.getString('s')).toBe('5')
    expect(d.getData('nested')!.getInt('limit')).toBe(3)
    expect(d.getInt('missing', 9)).toBe(9)
    expect(() => d.getInt('f')).toThrow('f must be an integer')
    expect(() => d.getPositiveInteger('missing', -1)).toThrow('missing must be a positive integer')
    expect(() => d.getOrThrow('missing')).toThrow('missing is required')
  })
})
