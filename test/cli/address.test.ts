import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { resolveAddress, splitAddress } from '../../src/cli/listen-address.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function project(files: { yaml?: string; ini?: string; env?: string }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pionia-addr-'))
  dirs.push(dir)
  mkdirSync(join(dir, 'environment'))
  if (files.yaml !== undefined) writeFileSync(join(dir, '.rr.yaml'), files.yaml)
  if (files.ini !== undefined) writeFileSync(join(dir, 'environment', 'settings.ini'), files.ini)
  if (files.env !== undefined) writeFileSync(join(dir, 'environment', '.env'), files.env)
  return dir
}

const ALL = {
  yaml: 'version: "3"\nrpc:\n  listen: tcp://127.0.0.1:6001\nhttp:\n  address: 10.0.0.5:7005\n',
  ini: '[roadrunner]\nPORT = 7003\nHOST = 127.0.0.3\n\n[server]\nPORT = 7004\nHOST = 127.0.0.4\n',
  env: 'PORT=7002\nHOST=127.0.0.2\n',
}

describe('resolveAddress: each level wins over the ones below it', () => {
  it('--port/--host beat everything', () => {
    const r = resolveAddress({ cwd: project(ALL), env: {}, port: '7001', host: '127.0.0.1' })
    expect(r).toMatchObject({ address: '127.0.0.1:7001', source: 'cli', hostSource: 'cli', fromFile: '10.0.0.5:7005' })
  })
  it('a port inside --host counts, but --port beats it', () => {
    expect(resolveAddress({ cwd: project(ALL), env: {}, host: '0.0.0.0:7011' }).address).toBe('0.0.0.0:7011')
    expect(resolveAddress({ cwd: project(ALL), env: {}, host: '[::1]:7011', port: 7012 }).address).toBe('[::1]:7012')
  })
  it('the process environment beats environment/.env, which beats settings.ini', () => {
    expect(resolveAddress({ cwd: project(ALL), env: { SERVER_PORT: '7020' } }).address).toBe('127.0.0.2:7020')
    expect(resolveAddress({ cwd: project(ALL), env: {} })).toMatchObject({ address: '127.0.0.2:7002', source: 'env' })
  })
  it('[roadrunner] beats [server]', () => {
    const r = resolveAddress({ cwd: project({ ...ALL, env: '' }), env: {} })
    expect(r).toMatchObject({ address: '127.0.0.3:7003', source: 'settings:roadrunner' })
    const s = resolveAddress({ cwd: project({ yaml: ALL.yaml, ini: '[server]\nport = 7004\n' }), env: {} })
    expect(s).toMatchObject({ address: '10.0.0.5:7004', source: 'settings:server', hostSource: 'rr.yaml' })
  })
  it('.rr.yaml http.address (parsed, not the first address: key), then the default', () => {
    const yaml = 'version: "3"\nstatus:\n  address: 127.0.0.1:2114\nhttp:\n  address: ":7030"\n'
    expect(resolveAddress({ cwd: project({ yaml }), env: {} })).toMatchObject({ address: '127.0.0.1:7030', source: 'rr.yaml', fromFile: ':7030' })
    expect(resolveAddress({ cwd: project({}), env: {} })).toMatchObject({ address: '127.0.0.1:8000', source: 'default', fromFile: undefined })
  })
  it('expands ${VAR:-default} in http.address like rr', () => {
    const yaml = 'version: "3"\nhttp:\n  address: ${HTTP_ADDR:-127.0.0.1:7040}\n'
    expect(resolveAddress({ cwd: project({ yaml }), env: {} }).address).toBe('127.0.0.1:7040')
    expect(resolveAddress({ cwd: project({ yaml }), env: { HTTP_ADDR: '0.0.0.0:7041' } }).address).toBe('0.0.0.0:7041')
  })
  it('names the bad value and its source', () => {
    expect(() => resolveAddress({ cwd: project({ env: 'PORT=eighty\n' }), env: {} })).toThrow(/Invalid port "eighty" from PORT/)
    expect(() => resolveAddress({ cwd: project({}), env: {}, port: '70000' })).toThrow(/between 1 and 65535/)
  })
})

describe('splitAddress', () => {
  it('reads h:p, :p, p, h and [v6]:p', () => {
    expect(splitAddress('h:1')).toEqual({ host: 'h', port: '1' })
    expect(splitAddress(':2')).toEqual({ port: '2' })
    expect(splitAddress('3')).toEqual({ port: '3' })
    expect(splitAddress('host')).toEqual({ host: 'host' })
    expect(splitAddress('[::1]:4')).toEqual({ host: '::1', port: '4' })
    expect(splitAddress('')).toEqual({})
  })
})
