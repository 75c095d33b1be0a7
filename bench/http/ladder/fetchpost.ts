/**
 * Ladder case `fetchpost`: by hand, with a bare fetch handler, the job the `moonlight` case's action
 * does: POST /api/v1/ {"service":"bench","action":"ping"}, the JSON body read and checked, the same
 * envelope with the same headers (the JSON type and the three CORS headers Moonlight sends with
 * the ladder project's settings). Moonlight ÷ this is the framework's own cost, request for request.
 */
import { serve } from '../../../src/index.js'

const HEADERS = {
  'Content-Type': 'application/json; charset=UTF-8',
  'Access-Control-Allow-Headers': '*',
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Max-Age': '86400',
}

await serve({
  http: {
    async fetch(request) {
      const body = (await request.json()) as { service?: unknown; action?: unknown }
      if (body.service !== 'bench' || body.action !== 'ping') {
        return new Response(JSON.stringify({ returnCode: 404, returnMessage: 'Not found', returnData: null, extraData: null }), { headers: HEADERS })
      }
      return new Response(JSON.stringify({ returnCode: 0, returnMessage: 'OK', returnData: { ok: true }, extraData: null }), { headers: HEADERS })
    },
  },
})
