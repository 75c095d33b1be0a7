/**
 * pionia/grpc under the real rr, called by grpcurl (built by scripts/build-grpcurl): a unary call
 * with metadata, and a status error with details as grpcurl prints them.
 */
import { execFile, execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT, freePort, nodeCommand, startRr, type RrInstance } from '../helpers/rr.js'
import { PROTO_DIR } from './client.js'

const run = promisify(execFile)

function grpcurlBinary(): string {
  const path = process.env.PIONIA_GRPCURL_BIN || execFileSync('bash', [join(ROOT, 'scripts/build-grpcurl'), '--path'], { encoding: 'utf8' }).trim()
  if (!existsSync(path)) throw new Error(`grpcurl not found at ${path}: run bash scripts/build-grpcurl first (CI does this in .ci/run)`)
  return path
}

describe('pionia/grpc under rr, called by grpcurl', () => {
  let rr: RrInstance
  let port: number
  beforeAll(async () => {
    port = await freePort()
    rr = await startRr({
      config: {
        server: { command: nodeCommand('test/grpc/fixtures/worker.ts'), relay: 'pipes' },
        grpc: { listen: `tcp://127.0.0.1:${port}`, proto: [join(PROTO_DIR, 'echo.proto')], pool: { num_workers: 1 } },
      },
      waitForPort: port,
    })
  }, 90_000)
  afterAll(async () => rr?.stop())

  const grpcurl = (method: string, data: unknown, ...extra: string[]) =>
    run(grpcurlBinary(), ['-plaintext', '-import-path', PROTO_DIR, '-proto', 'echo.proto', ...extra, '-d', JSON.stringify(data), `127.0.0.1:${port}`, `test.v1.EchoService/${method}`], { encoding: 'utf8' })

  it('a unary call with metadata in and headers/trailers out', async () => {
    const { stdout } = await grpcurl('Echo', { text: 'from grpcurl', n: '12345678901234567' }, '-v', '-H', 'x-request-id: g-1')
    expect(stdout).toMatch(/x-echo-header: from%20grpcurl/)
    expect(stdout).toMatch(/x-echo-trailer: test\.v1\.EchoService\/Echo/)
    const json = JSON.parse(stdout.slice(stdout.indexOf('{'), stdout.lastIndexOf('}') + 1)) as Record<string, unknown>
    expect(json).toMatchObject({ text: 'from grpcurl', n: '12345678901234567', metadata: { 'x-request-id': 'g-1' } })
  })

  it('a GrpcError with details', async () => {
    const err = await grpcurl('Fail', { code: 5, message: 'no such task', reason: 'MISSING' }).then(() => undefined, (e: { stderr: string; stdout: string }) => e)
    expect(err).toBeDefined()
    const out = err!.stdout + err!.stderr
    expect(out).toMatch(/Code: NotFound/)
    expect(out).toMatch(/Message: no such task/)
    expect(out).toMatch(/"@type": "type\.googleapis\.com\/test\.v1\.ErrorInfo"/)
    expect(out).toMatch(/"reason": "MISSING"/)
  })
})
