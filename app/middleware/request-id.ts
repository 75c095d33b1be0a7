/**
 * Echoes the client's `X-Request-Id` or creates one (16 hex characters), as in the tutorial's step 10.
 */
import { randomBytes } from 'node:crypto'
import { headerOf } from '../../src/http/index.js'
import type { Middleware } from '../../src/moonlight/index.js'

const VALID = /^[A-Za-z0-9._-]{1,128}$/

// One randomBytes call per 512 ids: a call per request costs more than the rest of this middleware.
let pool = Buffer.alloc(0)
let at = 0
function newId(): string {
  if (at + 8 > pool.length) {
    pool = randomBytes(4096)
    at = 0
  }
  at += 8
  return pool.toString('hex', at - 8, at)
}

export const requestId: Middleware = {
  name: 'request-id',
  onRequest(info) {
    // headerOf: the same answer as request.headers.get, without building Headers for an rr request.
    const given = headerOf(info.request, 'x-request-id')
    info.attributes.set('requestId', given && VALID.test(given) ? given : newId())
  },
  onResponse(res, info) {
    const id = info.attributes.get('requestId')
    if (typeof id === 'string') res.headers.set('X-Request-Id', id)
  },
}
