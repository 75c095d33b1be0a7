/**
 * Benchmark line B: rr's own ceiling. Answers the PID handshake and then every request with one
 * pre-encoded response frame (same status, headers and body as line A), doing nothing else:
 * no context decoding, no objects, one write per request.
 */
import { FrameDecoder, encodeFrame, FLAG_CONTROL, FLAG_CODEC_PROTO } from '../../../src/goridge/index.js'
import { encodeResponseContext } from '../../../src/http/codec.js'
import { originalStdoutWrite } from '../../../src/relay/pipe-relay.js'

const context = encodeResponseContext(200, [['content-type', 'text/plain;charset=UTF-8']])
const response = encodeFrame({ flags: FLAG_CODEC_PROTO, options: [context.length], payload: [context, Buffer.from('Hello, World!')] })
const write = originalStdoutWrite
const decoder = new FrameDecoder()

process.stdin.on('data', (chunk: Buffer) => {
  for (const f of decoder.push(chunk)) {
    if (f.flags & FLAG_CONTROL) {
      const msg = f.payload.toString()
      if (msg.includes('"stop"')) process.exit(0)
      write(encodeFrame({ flags: FLAG_CONTROL, payload: Buffer.from(`{"pid":${process.pid}}`) }))
      continue
    }
    if (f.byte10 !== 0) continue // stray STOP/PONG
    write(response)
  }
})
process.stdin.on('end', () => process.exit(0))
