/**
 * What an action receives as its third argument (the request plus everything Moonlight resolved),
 * the shape of a call without HTTP, and what every stage may use of the app serving a call.
 * @module
 */
import type { ContextUser } from './user.js'
import type { RequestData } from './data.js'
import type { Envelope } from './envelope.js'
import type { Logger } from './log.js'
import type { JobQueue } from './defer.js'
import type { Settings } from '../../config/settings.js'
import type { ConnectionManager } from '../db/connection-manager.js'

/** Uploaded files by field name (multipart/form-data). */
export type FileBag = Record<string, File>

/** A call without HTTP: what jobs and realtime frames carry. */
export interface DispatchCall {
  service: string
  action: string
  /** The action's data (flat fields, as in an HTTP body). */
  data?: Record<string, unknown>
  /** API version (default: the first registered switch). */
  switch?: string
  /** The caller, if already authenticated (frames); null: anonymous. */
  auth?: ContextUser | null
  files?: FileBag
  /** The original request, if any (default: a synthetic POST to the switch path). */
  request?: Request
  /**
   * Run the app's auth chain on `request`'s headers, as for an HTTP call (adapters that carry an
   * `Authorization` header of their own, e.g. gRPC metadata). `auth` is then ignored.
   */
  authenticate?: boolean
}

/**
 * The app as the stages, services, jobs and realtime see it. `Moonlight` (app.ts) implements it;
 * nothing below the façade imports the façade itself.
 */
export interface MoonlightApp {
  readonly name: string
  readonly logger: Logger
  /** The project settings (inside a call: the call's snapshot). */
  readonly settings: Settings
  readonly debug: boolean
  readonly apiBase: string
  readonly classicStatus: boolean
  readonly defaultSwitch: string
  readonly db: ConnectionManager
  switches(): string[]
  dispatch(call: DispatchCall): Promise<Envelope>
  handle(call: DispatchCall): Promise<Envelope>
  async(service: string, action: string, payload?: Record<string, unknown>, switchName?: string): Promise<Envelope>
  useJobQueue(queue: JobQueue | null): this
  onShutdown(fn: () => unknown): this
  renderError(err: unknown): Envelope
  catalog(version?: string): Record<string, unknown>
  /** The OpenAPI 3.1 document of every switch (served as `__openapi.json`). */
  openapi(): Record<string, unknown>
  fetch(request: Request): Promise<Response>
  close(): Promise<void>
}

/** One Moonlight call: over HTTP, a job, or a realtime frame. */
export interface MoonlightRequest {
  /** The WHATWG request (a synthetic POST for jobs and frames). */
  readonly request: Request
  /** Switch (API version), e.g. `v1`. */
  readonly switch: string
  /** Service alias and action name as the client sent them. */
  readonly service: string
  readonly action: string
  readonly data: RequestData
  readonly files: FileBag
  /** Set by the auth chain (null: anonymous). */
  user: ContextUser | null
  readonly settings: Settings
  /** Free-form per-request values (middleware can put a request id here). */
  readonly attributes: Map<string, unknown>
  /** The app serving the call (its `db`, `logger`, `async()`). */
  readonly app: MoonlightApp
}
