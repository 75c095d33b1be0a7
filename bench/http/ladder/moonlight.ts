/**
 * Ladder case `moonlight`: a Moonlight app with one action, `bench.ping`, answering
 * `response(0, 'OK', { ok: true })` to POST /api/v1/ {"service":"bench","action":"ping"}.
 */
import { serve } from '../../../src/index.js'
import { createApp, response, Service } from '../../../src/moonlight/index.js'

class BenchService extends Service {
  async pingAction() {
    return response(0, 'OK', { ok: true })
  }
}

await serve({ http: createApp({ switches: { v1: { bench: BenchService } } }) })
