/**
 * Benchmark line B2: the foundation's worker loop (`runWorker`, Worker, pipe relay) answering every
 * request with a pre-encoded response context: splits the cost of the loop from the cost of the
 * HTTP layer (line A minus B2) and of the loop itself (B2 minus B).
 */
import { runWorker } from '../../../src/worker/index.js'
import { FLAG_CODEC_PROTO } from '../../../src/goridge/index.js'
import { encodeResponseContext } from '../../../src/http/codec.js'

const context = encodeResponseContext(200, [['content-type', 'text/plain;charset=UTF-8']])
const body = Buffer.from('Hello, World!')
await runWorker((_payload, worker) => worker.respond({ codec: FLAG_CODEC_PROTO, context, body }))
