/**
 * rr's service plugin: processes rr starts and supervises beside its worker pools (the `service:`
 * section of .rr.yaml, and the `service.*` RPC methods to add, stop, restart and inspect them at
 * run time). Protobuf `service.v1` messages.
 * @module
 */
import { descriptor } from '../../generated/service-v1.js'
import type { RpcClient } from '../client.js'
import { encode, lazyTypes } from './proto-types.js'

const type = lazyTypes(descriptor)

/** A service to start: what `service.<name>` in .rr.yaml holds. */
export interface ServiceSpec {
  /** The command line, split on spaces by rr (no shell). */
  command: string
  /** Processes to run (default 1; rr refuses 0). */
  processNum?: number
  /** Seconds a process may run before rr stops it (0: no limit). */
  execTimeout?: number
  /**
   * Start the process again when it exits (rr's `remain_after_exit`; default false: an exited
   * process stays down). Note the name: unlike systemd's RemainAfterExit, rr restarts on true.
   */
  remainAfterExit?: boolean
  /** Seconds between a process's exit and its restart when `remainAfterExit` (rr's default 30). */
  restartSec?: number
  /** Log lines carry the service name instead of the plugin's. */
  serviceNameInLogs?: boolean
  /** Seconds rr waits after SIGINT (its stop signal) before it kills the process (rr's default 5). */
  timeoutStopSec?: number
  /** Extra environment variables for the processes. */
  env?: Record<string, string>
}

/** One process of a service, as rr reports it. */
export interface ServiceProcess {
  pid: number
  command: string
  cpuPercent: number
  /** RSS in bytes. */
  memoryUsage: number
  /** Set when rr could not read the process's state (it exited, for example). */
  error?: string
}

interface StatusMessage {
  pid?: number
  command?: string
  cpu_percent?: number
  memory_usage?: number | { toNumber(): number }
  status?: { message?: string } | null
}

function toProcess(s: StatusMessage): ServiceProcess {
  const memory = s.memory_usage
  const proc: ServiceProcess = {
    pid: s.pid ?? 0,
    command: s.command ?? '',
    cpuPercent: s.cpu_percent ?? 0,
    memoryUsage: typeof memory === 'object' && memory ? memory.toNumber() : (memory ?? 0),
  }
  if (s.status?.message) proc.error = s.status.message
  return proc
}

/**
 * @example
 * import { RpcClient, services } from 'pionia/rpc'
 * const svc = services(new RpcClient())
 * await svc.create('feeder', { command: 'node feeder.js', restartSec: 1 })
 * console.error(await svc.statuses('feeder'))
 */
export function services(client: RpcClient) {
  const call = async (method: string, input: string, value: Record<string, unknown>, output: string): Promise<Record<string, unknown>> => {
    const reply = await client.callProto(`service.${method}`, encode(type(input), value))
    const out = type(output)
    return out.toObject(out.decode(reply), { defaults: true }) as Record<string, unknown>
  }
  const ok = async (method: string, name: string): Promise<boolean> =>
    (await call(method, 'service.v1.Service', { name }, 'service.v1.Response')).ok === true
  return {
    /** Starts a new service under rr's supervision; rr refuses a name that already runs. */
    async create(name: string, spec: ServiceSpec): Promise<boolean> {
      const reply = await call(
        'Create',
        'service.v1.Create',
        {
          name,
          command: spec.command,
          process_num: spec.processNum ?? 1,
          exec_timeout: spec.execTimeout ?? 0,
          remain_after_exit: spec.remainAfterExit ?? false,
          env: spec.env ?? {},
          restart_sec: spec.restartSec ?? 30,
          service_name_in_logs: spec.serviceNameInLogs ?? false,
          timeout_stop_sec: spec.timeoutStopSec ?? 5,
        },
        'service.v1.Response',
      )
      return reply.ok === true
    },
    /** Stops every process of the service and forgets it. */
    terminate: (name: string): Promise<boolean> => ok('Terminate', name),
    /** Stops and starts every process of the service again. */
    restart: (name: string): Promise<boolean> => ok('Restart', name),
    /** The service's first process (rr's deprecated single-process `Status`; prefer {@link statuses}). */
    async status(name: string): Promise<ServiceProcess> {
      return toProcess((await call('Status', 'service.v1.Service', { name }, 'service.v1.Status')) as StatusMessage)
    },
    /** Every process of the service. */
    async statuses(name: string): Promise<ServiceProcess[]> {
      const reply = await call('Statuses', 'service.v1.Service', { name }, 'service.v1.Statuses')
      return ((reply.status as StatusMessage[] | undefined) ?? []).map(toProcess)
    },
    /** Names of the services rr runs (from .rr.yaml and created over RPC). */
    async list(): Promise<string[]> {
      return ((await call('List', 'service.v1.Service', {}, 'service.v1.List')).services as string[] | undefined) ?? []
    },
  }
}

export type ServicesClient = ReturnType<typeof services>
