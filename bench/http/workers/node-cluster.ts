/**
 * Benchmark line C: plain node:http, no rr, a cluster of BENCH_WORKERS processes on BENCH_PORT,
 * same answer as lines A and B.
 */
import cluster from 'node:cluster'
import { createServer } from 'node:http'

const workers = Number(process.env.BENCH_WORKERS ?? 1)
const port = Number(process.env.BENCH_PORT)

if (cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork()
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill()
    process.exit(0)
  })
} else {
  createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain;charset=UTF-8' })
    res.end('Hello, World!')
  }).listen(port, '127.0.0.1')
}
