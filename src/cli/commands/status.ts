/**
 * `pionia status`: rr's health and readiness per plugin, from the status plugin's HTTP address
 * (`status.address` in .rr.yaml): the same answers a load balancer or Kubernetes probe gets.
 * @module
 */
import { CliError, defineCommand } from '../command.js'
import { str } from '../util/args.js'
import { projectPaths, readRrConfig } from '../project.js'
import { expandEnv } from '../listen-address.js'
import { painter, useColor } from '../util/color.js'

/** One plugin in rr's `/health` or `/ready` answer (`status` plugin, `Report`). */
interface Report {
  plugin_name: string
  error_message: string
  status_code: number
}

async function probe(url: string): Promise<{ code: number; reports: Report[]; text: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) })
  const text = await res.text()
  let reports: Report[] = []
  try {
    const parsed = JSON.parse(text) as unknown
    if (Array.isArray(parsed)) reports = parsed as Report[]
  } catch {
    // rr answers plain text while it shuts down ("service is shutting down")
  }
  return { code: res.status, reports, text: text.trim() }
}

export default defineCommand({
  name: 'status',
  summary: "Show rr's health and readiness per plugin (the status plugin)",
  usage: `Usage: npx pionia status [options]

Asks rr's status plugin (status.address in .rr.yaml) for /health and /ready and prints one line per
plugin that reports them (http, jobs, tcp, grpc, centrifuge, ...). Exit code 0 when every plugin is
healthy and ready, 1 otherwise.

Options:
  --config=<path>     rr config (default .rr.yaml)
  --address=<h:p>     the status address, instead of the one in the config
  --plugin=<name>     only this plugin
`,
  options: {
    config: { type: 'string' },
    address: { type: 'string' },
    plugin: { type: 'string' },
  },
  async run({ values }, ctx) {
    const paint = painter(useColor(ctx.stdout, ctx.env))
    let address = str(values.address)
    if (!address) {
      const config = readRrConfig(projectPaths(ctx.cwd, { config: str(values.config) }))
      const section = config.status as { address?: unknown } | undefined
      if (!section || section.address === undefined || section.address === null) {
        throw new CliError(
          'RR_ERR_NO_STATUS',
          'No status section in .rr.yaml: add\n  status:\n    address: 127.0.0.1:2114\nand restart rr (npx pionia stopserver && npx pionia runserver), or pass --address=<host:port>.',
        )
      }
      address = expandEnv(String(section.address), ctx.env)
    }
    const base = `http://${address.replace(/^https?:\/\//, '').replace(/^:/, '127.0.0.1:')}`
    const query = str(values.plugin) ? `?plugin=${encodeURIComponent(str(values.plugin)!)}` : ''
    let health: Awaited<ReturnType<typeof probe>>
    let ready: Awaited<ReturnType<typeof probe>>
    try {
      ;[health, ready] = await Promise.all([probe(`${base}/health${query}`), probe(`${base}/ready${query}`)])
    } catch (err) {
      throw new CliError(
        'RR_ERR_NOT_RUNNING',
        `rr's status plugin does not answer at ${base} (${(err as Error).cause ?? (err as Error).message}).\nIs rr running? Start it with npx pionia runserver (or --detach).`,
      )
    }
    if (health.reports.length === 0 && ready.reports.length === 0) {
      ctx.stdout.write(`${health.text || ready.text || 'rr reports no plugins with health checks (add http, jobs, tcp or grpc sections).'} (HTTP ${health.code})\n`)
      return health.code < 300 && ready.code < 300 ? 0 : 1
    }
    const readyBy = new Map(ready.reports.map((r) => [r.plugin_name, r]))
    const names = [...new Set([...health.reports.map((r) => r.plugin_name), ...readyBy.keys()])].sort()
    const healthBy = new Map(health.reports.map((r) => [r.plugin_name, r]))
    let allGood = true
    const width = Math.max(6, ...names.map((n) => n.length))
    ctx.stdout.write(`${'plugin'.padEnd(width)}  health  ready  message\n`)
    for (const name of names) {
      const h = healthBy.get(name)
      const r = readyBy.get(name)
      const good = (h?.status_code ?? 0) >= 100 && (h?.status_code ?? 0) < 500 && (r?.status_code ?? 0) >= 100 && (r?.status_code ?? 0) < 500
      allGood &&= good
      const message = [h?.error_message, r?.error_message].filter(Boolean).join('; ')
      ctx.stdout.write(
        `${name.padEnd(width)}  ${paint(good ? 'green' : 'red', String(h?.status_code ?? '-').padEnd(6))}  ${String(r?.status_code ?? '-').padEnd(5)}  ${message}\n`,
      )
    }
    return allGood ? 0 : 1
  },
})
