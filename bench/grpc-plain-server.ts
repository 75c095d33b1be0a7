/** bench/grpc.ts's baseline: a plain @grpc/grpc-js server with the same Echo handler, in its own process. Prints its port. */
import * as grpc from '@grpc/grpc-js'
import { root } from '../test/grpc/client.js'

const req = root.lookupType('test.v1.EchoRequest')
const res = root.lookupType('test.v1.EchoResponse')
const server = new grpc.Server()
server.register(
  '/test.v1.EchoService/Echo',
  (call: grpc.ServerUnaryCall<Record<string, unknown>, Record<string, unknown>>, cb: grpc.sendUnaryData<Record<string, unknown>>) => {
    const r = call.request as { text: string; n: string }
    cb(null, { text: r.text, n: r.n, pid: process.pid })
  },
  (v: Record<string, unknown>) => Buffer.from(res.encode(res.fromObject(v)).finish()),
  (b: Buffer) => req.toObject(req.decode(b), { longs: String, defaults: true }),
  'unary',
)
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err
  process.stdout.write(`${port}\n`)
})
process.on('SIGTERM', () => server.forceShutdown())
