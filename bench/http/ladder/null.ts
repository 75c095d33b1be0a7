/**
 * Ladder case `null`: rr's own ceiling. Answers the PID handshake and then every request with one
 * pre-encoded http.v1 frame (`{"ok":true}`, the same bytes the fetch case sends), doing nothing
 * else: no context decoding, no objects, one write per request. Speaks pipes (stdin/stdout) or the
 * tcp/unix socket rr names in RR_RELAY, without the SDK's relay.
 */
import { connect } from 'node:net'
import { FrameDecoder, encodeFrame, FLAG_CONTROL, FLAG_CODEC_PROTO } from '../../../src/goridge/index.js'
import { encodeResponseContext } from '../../../src/http/codec.js'
import { originalStdoutWrite } from '../../../src/relay/pipe-relay.js'

const body = Buffer.from('{"ok":true}')
const context = encodeResponseContext(200, [
  ['content-type', 'application/json'],
  ['content-length', String(body.length)],
])
const response = encodeFrame({ flags: FLAG_CODEC_PROTO, options: [context.length], payload: [context, body] })
const decoder = new FrameDecoder()

const relay = process.env.RR_RELAY ?? 'pipes'
const socket = relay === 'pipes' ? null : connect(relay.startsWith('unix://') ? { path: relay.slice(7) } : { host: relay.slice(6, relay.lastIndexOf(':')), port: Number(relay.slice(relay.lastIndexOf(':') + 1)) })
socket?.setNoDelay(true)
const input = socket ?? process.stdin
const write: (b: Uint8Array) => boolean = socket ? (b) => socket.write(b) : originalStdoutWrite

input.on('data', (chunk: Buffer) => {
  for (const f of decoder.push(chunk)) {
    if (f.flags & FLAG_CONTROL) {
      if (f.payload.toString().includes('"stop"')) process.exit(0)
      write(encodeFrame({ flags: FLAG_CONTROL, payload: Buffer.from(`{"pid":${process.pid}}`) }))
      continue
    }
    if (f.byte10 !== 0) continue // stray STOP/PONG
    write(response)
  }
})
input.on('end', () => process.exit(0))
