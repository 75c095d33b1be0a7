/**
 * Echoes the client's `X-Request-Id` or creates one (16 hex characters), as in the tutorial's step 10.
 */
import { randomBytes } from 'node:crypto'
import type { Middleware } from '../../src/moonlight/index.js'

const VALID = /^[A-Za-z0-9._-]{1,128}$/

export const requestId: Middleware = {
  name: 'request-id',
  onRequest(info) {
    const given = info.request.headers.get('x-request-id')
    info.attributes.set('requestId', given && VALID.test(given) ? given : randomBytes(8).toString('hex'))
  },
  onResponse(res, info) {
    const id = info.attributes.get('requestId')
    if (typeof id === 'string') res.headers.set('X-Request-Id', id)
  },
}
