/**
 * What an action receives as its third argument: the request plus everything Moonlight resolved.
 * @module
 */
import type { ContextUser } from './auth.js'
import type { RequestData } from './data.js'
import type { Settings } from '../config/settings.js'
import type { Moonlight } from './app.js'

/** Uploaded files by field name (multipart/form-data). */
export type FileBag = Record<string, File>

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
  readonly app: Moonlight
}
