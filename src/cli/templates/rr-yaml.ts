/**
 * The default `.rr.yaml` that `rr:setup` writes when a project has none: HTTP on 127.0.0.1:8000 with
 * the worker run through the tsx loader, goridge RPC for jobs, a memory jobs pipeline named
 * `moonlight`, and development logs (the format runserver's formatter reads). rr:setup leaves out
 * (comments) the http or jobs section when the worker entry does not serve that mode.
 * @module
 */

/** The template text (a YAML list for server.command: rr splits a plain string on spaces). */
export function defaultRrYaml(options: { address?: string; worker?: string; http?: boolean; jobs?: boolean; realtime?: boolean } = {}): string {
  const address = options.address ?? '127.0.0.1:8000'
  const worker = options.worker ?? 'worker.ts'
  // A section whose mode the worker does not serve is written commented out: rr would start workers
  // for it and fail (static_pool_allocate_workers: EOF).
  const http = section(options.http ?? true, '# HTTP (off: the worker serves no RR_MODE=http; pass serve({ http: app }) and uncomment):\n')
  const jobs = section(options.jobs ?? true, '# Jobs (off: the worker serves no RR_MODE=jobs; pass serve({ modes: { jobs: handler } }) and uncomment):\n')
  const realtime = section(options.realtime ?? false, '# Realtime (optional): uncomment, run Centrifugo with its proxy pointed at rr, and pass\n# serve({ modes: { centrifuge: handler } }):\n')
  return `# RoadRunner config for this app (written by npx pionia rr:setup). rr runs in this file's directory.
version: "3"

rpc:
  listen: tcp://127.0.0.1:6001

server:
  # Development: TypeScript through the tsx loader. "npx pionia optimize --production" compiles the app
  # and switches this to ["node", "build/worker.js"]; "npx pionia optimize:clear" switches back.
  command: ["node", "--import", "tsx", "${worker}"]
  # pipes: the cheapest relay measured (tcp costs rr and the worker more CPU per request).
  relay: pipes

${http(`http:
  # runserver overrides this with -o http.address=... when --port/--host, PORT/SERVER_PORT or
  # [roadrunner]/[server] in environment/settings.ini say otherwise.
  address: ${address}
  # Bodies over 10 MB are refused before a worker sees them (rr's default is 1000 MB, buffered in rr).
  max_request_size: 10
  # Idle clients: rr's http plugin (v5.3.0) has no timeout keys. It keeps an idle keep-alive
  # connection up to 1 h and an unfinished header up to 5 min, one open file each, so the open-files
  # limit is the bound: rr holds about (hard limit - 20) connections, then stops accepting until some
  # close. runserver warns when the hard limit is under 16384 (raise it with ulimit -Hn or
  # LimitNOFILE=); for real timeouts put nginx in front (RELIABILITY.md, "Idle connections").
  # Form bodies reach the worker as sent (it parses them), so JSON posted without a Content-Type
  # (curl -d '{...}') arrives intact; rr's own form parsing (false) drops spaces from such bodies.
  raw_body: true
  middleware: []
  pool:
    # One worker per core: more only add context switches on a busy machine.
    num_workers: 2
    max_jobs: 0
    allocate_timeout: 60s
    destroy_timeout: 60s
    # A request still running after exec_ttl is answered 500 and its worker replaced: a handler that
    # never answers cannot jam the pool or hold a stop forever. Raise it for slow endpoints (long
    # work belongs in jobs). rr's pool plugin: http.pool.supervisor {exec_ttl, ttl, idle_ttl,
    # max_worker_memory, watch_tick}.
    supervisor:
      exec_ttl: 30s
`)}

# Health and readiness probes for load balancers and Kubernetes: GET /health?plugin=http (200 while
# a worker is up, 503 when none is) and /ready; npx pionia status prints them per plugin.
status:
  address: 127.0.0.1:2114

${jobs(`jobs:
  consume: ["moonlight"]
  pool:
    num_workers: 2
    allocate_timeout: 60s
    destroy_timeout: 60s
  pipelines:
    moonlight:
      # In production use a durable driver, e.g. redis (addrs: ["127.0.0.1:6379"]).
      driver: memory
      config:
        priority: 10
        prefetch: 100
`)}
${realtime(`centrifuge:
  # Centrifugo v6 sends its proxy calls here (every proxy endpoint: grpc://127.0.0.1:30000) and
  # serves its gRPC API on grpc_api_address (publish & co).
  proxy_address: "tcp://127.0.0.1:30000"
  grpc_api_address: "127.0.0.1:10000"
  pool:
    num_workers: 1
    allocate_timeout: 60s
    destroy_timeout: 60s
`)}
logs:
  mode: development
  level: info

# How long a stop (Ctrl+C, npx pionia stopserver) waits for in-flight requests and jobs. rr's jobs
# plugin (v5.1.9) keeps idle queue pollers blocked until this runs out, so with a jobs section every
# stop takes the whole period (without one rr stops in about 1 s). Raise it when requests or jobs
# run longer than this: they are cut at the end of it.
endure:
  grace_period: 3s
`
}

/** Returns the block as is, or commented out under `why`. */
function section(on: boolean, why: string): (block: string) => string {
  return (block) => (on ? block : why + block.replace(/^(?=.)/gm, '# '))
}
