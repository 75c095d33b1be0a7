/**
 * Where the integration tests find the real services that `scripts/ci-services start` (called by
 * .ci/run) installs and starts. Each can be overridden by an environment variable. A test that needs
 * a service calls `requireService(...)`, which fails loudly (never skips) with the command to run.
 */
import { connect } from 'node:net'

export const SERVICES = {
  postgres: {
    url: process.env.PIONIA_TEST_PG_URL ?? 'postgres://pionia:pionia@127.0.0.1:5432/pionia',
    host: '127.0.0.1',
    port: 5432,
  },
  redis: { address: process.env.PIONIA_TEST_REDIS ?? '127.0.0.1:6379', host: '127.0.0.1', port: 6379 },
  rabbitmq: {
    url: process.env.PIONIA_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672/',
    host: '127.0.0.1',
    port: 5672,
  },
} as const

export type ServiceName = keyof typeof SERVICES

/** Resolves when the service accepts TCP connections; rejects with how to start it. */
export async function requireService(name: ServiceName): Promise<void> {
  const s = SERVICES[name]
  const ok = await new Promise<boolean>((res) => {
    const sock = connect({ host: s.host, port: s.port })
    sock.setTimeout(2000, () => {
      sock.destroy()
      res(false)
    })
    sock.once('connect', () => {
      sock.destroy()
      res(true)
    })
    sock.once('error', () => res(false))
  })
  if (!ok) {
    throw new Error(`${name} is not reachable on ${s.host}:${s.port}: run bash scripts/ci-services start (needs root for apt-get)`)
  }
}
