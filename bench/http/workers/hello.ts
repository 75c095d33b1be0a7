/**
 * Benchmark line A: our SDK with a hello handler (`serveHttp`, default options).
 * BENCH_VARIANT=native: the same without the light Response (native undici Response).
 * BENCH_VARIANT=hono: the same answer from a Hono app.
 * GET /rss answers this process's RSS and heap used in bytes, after a GC when --expose-gc is on.
 */
import { Hono } from 'hono'
import { serveHttp } from '../../../src/http/index.js'

const variant = process.env.BENCH_VARIANT ?? 'fetch'
// With --expose-gc (the memory check starts the worker so), collect first: the figure is then what
// stays alive, not what the next scavenge would free.
const rss = () => {
  ;(globalThis as { gc?: () => void }).gc?.()
  const m = process.memoryUsage()
  return new Response(`${m.rss} ${m.heapUsed}`)
}

if (variant === 'hono') {
  const app = new Hono()
  app.get('/rss', () => rss())
  app.get('/', (c) => c.text('Hello, World!'))
  await serveHttp(app)
} else {
  await serveHttp(
    {
      fetch(request) {
        if (request.url.endsWith('/rss')) return rss()
        return new Response('Hello, World!')
      },
    },
    { lightResponse: variant !== 'native' },
  )
}
