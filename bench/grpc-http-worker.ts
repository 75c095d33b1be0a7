/**
 * The HTTP side of bench/grpc.ts: the same echo as the gRPC worker (test/grpc/fixtures/worker.ts
 * Echo: text, n and pid back, one response header), as a pionia http worker under rr, JSON in and out.
 */
import { serve } from '../src/serve.js'

await serve({
  http: {
    async fetch(request) {
      const body = (await request.json()) as { text?: string; n?: string }
      return Response.json({ text: body.text ?? '', n: body.n ?? '0', pid: process.pid }, { headers: { 'x-echo-header': encodeURIComponent(body.text ?? '') } })
    },
  },
})
