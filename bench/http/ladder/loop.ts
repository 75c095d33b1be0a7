/**
 * Ladder case `loop`: the SDK's worker loop (`runWorker`: relay, frame decoder, Worker, one
 * payload at a time) answering every request with the null worker's pre-encoded context and body.
 * loop − null is what the relay and worker layers cost per request.
 */
import { runWorker } from '../../../src/worker/index.js'
import { FLAG_CODEC_PROTO } from '../../../src/goridge/index.js'
import { encodeResponseContext } from '../../../src/http/codec.js'

const body = Buffer.from('{"ok":true}')
const context = encodeResponseContext(200, [
  ['content-type', 'application/json'],
  ['content-length', String(body.length)],
])
const response = { codec: FLAG_CODEC_PROTO, context, body }
await runWorker((_payload, worker) => worker.respond(response))
