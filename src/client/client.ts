/**
 * The typed Moonlight client: `createClient<typeof app>(baseUrl, { token })`. Every call is one
 * `POST <baseUrl><apiBase><version>/` with `{service, action, ...data}` as JSON; the answer's
 * `returnData` comes back, a failure code becomes a MoonlightError. Uses only `fetch`, so it runs
 * in browsers, Node 20, Deno and workers alike.
 * @module
 */
import type { CallInit, Client, DefaultVersion } from './app-types.js'
import { MoonlightError } from './error.js'

/** Options of `createClient`. */
export interface ClientOptions {
  /** Bearer token sent as `Authorization: Bearer …`; a function is asked before every call (e.g. after a login). */
  token?: string | null | (() => string | null | undefined | Promise<string | null | undefined>)
  /** The switch (API version) to call (default `v1`); `client.$switch('v2')` gives another. */
  version?: string
  /** The API base path, as `API_BASE` on the server (default `/api/`). */
  apiBase?: string
  /** Headers sent with every call. */
  headers?: Record<string, string>
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch
}

/** Success: returnCode 0 (Pionia's convention) and the 2xx codes Moonlight uses for success (202 Accepted of queued jobs). */
const succeeded = (code: number): boolean => code === 0 || (code >= 200 && code <= 299)

const isEnvelope = (v: unknown): v is { returnCode: number; returnMessage: string | null; returnData: unknown; extraData: unknown } =>
  !!v && typeof v === 'object' && typeof (v as { returnCode?: unknown }).returnCode === 'number'

/** Names a client proxy must not answer as services (promise checks, inspection). */
const NOT_SERVICES = new Set(['then', 'catch', 'finally', 'toJSON', 'constructor', 'inspect'])

/**
 * Creates a client of a Moonlight app. `App` is the app's type (`typeof app`, imported with
 * `import type`): calls are checked against each action's declared rules and return its typed data.
 * @example
 * import { createClient, MoonlightError } from 'pionia/client'
 * import type { app } from '../server/app.js'
 * const api = createClient<typeof app>('http://127.0.0.1:8000', { token })
 * const { task } = await api.task.create({ title: 'Ship it', project_id: 1 })
 */
export function createClient<App = unknown>(baseUrl: string, options: ClientOptions = {}): Client<App, DefaultVersion<App>> {
  return clientFor(baseUrl, options, options.version ?? 'v1') as Client<App, DefaultVersion<App>>
}

function clientFor(baseUrl: string, options: ClientOptions, version: string): unknown {
  const prefix = (options.apiBase ?? '/api/').replace(/^\/+|\/+$/g, '')
  const url = `${baseUrl.replace(/\/+$/, '')}/${prefix ? `${prefix}/` : ''}${version}/`
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init))

  const call = async (service: string, action: string, data: Record<string, unknown> = {}, init: CallInit = {}): Promise<unknown> => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json', ...options.headers, ...init.headers }
    const token = typeof options.token === 'function' ? await options.token() : options.token
    if (token) headers.Authorization = `Bearer ${token}`
    const res = await doFetch(url, { method: 'POST', headers, body: JSON.stringify({ ...data, service, action }), signal: init.signal })
    const text = await res.text()
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      body = undefined
    }
    if (!isEnvelope(body)) {
      throw new MoonlightError(
        { returnCode: res.status, returnMessage: `${url} answered HTTP ${res.status} without a Moonlight envelope: check the base URL and apiBase (${text.slice(0, 80)})` },
        res.status,
      )
    }
    if (!succeeded(body.returnCode)) throw new MoonlightError(body, res.status)
    return body.returnData
  }

  const services = new Map<string, unknown>()
  return new Proxy(Object.create(null) as object, {
    get(_target, prop) {
      if (typeof prop !== 'string' || NOT_SERVICES.has(prop)) return undefined
      if (prop === '$version') return version
      if (prop === '$call') return call
      if (prop === '$switch') return (v: string) => clientFor(baseUrl, options, v)
      let svc = services.get(prop)
      if (!svc) {
        const actions = new Map<string, unknown>()
        svc = new Proxy(Object.create(null) as object, {
          get(_t, action) {
            if (typeof action !== 'string' || NOT_SERVICES.has(action)) return undefined
            let fn = actions.get(action)
            if (!fn) actions.set(action, (fn = (data?: Record<string, unknown>, init?: CallInit) => call(prop, action, data, init)))
            return fn
          },
        })
        services.set(prop, svc)
      }
      return svc
    },
  })
}


