// KV against the real rr with the redis driver and the real Redis server (scripts/ci-services start).
// Uses its own database (13), because clear() is FLUSHDB on the redis driver.
import { execFileSync } from 'node:child_process'
import { SERVICES, requireService } from '../helpers/services.js'
import { kvCases } from './kv-cases.js'

const DB = 13
const { host, port } = SERVICES.redis

kvCases({
  driver: 'redis',
  storage: { driver: 'redis', config: { addrs: [`${host}:${port}`], db: DB } },
  before: () => requireService('redis'),
  rawGet: (key) => {
    const out = execFileSync('redis-cli', ['-h', host, '-p', String(port), '-n', String(DB), '--raw', 'GET', key], { encoding: 'utf8' })
    return out.trim() === '' ? null : out.trim()
  },
})
