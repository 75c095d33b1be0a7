/**
 * Ladder case `node`: plain node:http, no rr: a cluster of BENCH_WORKERS processes on BENCH_PORT
 * answering `{"ok":true}` like the other cases.
 */
import cluster from 'node:cluster'
import { createServer } from 'node:http'

const workers = Number(process.env.BENCH_WORKERS ?? 1)
const body = Buffer.from('{"ok":true}')

if (cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork()
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill()
    process.exit(0)
  })
} else {
  createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length })
    res.end(body)
  }).listen(Number(process.env.BENCH_PORT), '127.0.0.1')
}
