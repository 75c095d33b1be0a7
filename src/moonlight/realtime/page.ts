/**
 * Serves a realtime page from a Moonlight app as middleware: the files of one directory under a
 * path, the centrifuge-js browser bundle next to them (`centrifuge.js`, from the installed package,
 * no build step), the typed client as a browser ES module (`pionia-client.js`), and `config.json`
 * telling the page where Centrifugo and the API are.
 * @module
 */
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, extname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Middleware } from '../http/index.js'
import type { MoonlightApp } from '../core/context.js'
import { currentApp } from '../core/current.js'
import { realtimeConfig } from './config.js'
import { clientBundle } from './client-script.js'

export interface RealtimePageOptions {
  /** URL path of the page (default `/board`); `/board/` serves `index.html`, `/board` redirects there. */
  path?: string
  /** Directory holding `index.html` and its assets (a path or a file: URL). */
  dir: string | URL
  /** Channel names (under the prefix) the page should subscribe to, passed in config.json. */
  channels?: string[]
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
}

let bundle: Promise<Buffer> | undefined

/** The IIFE build of centrifuge-js (sets `window.Centrifuge`). */
function centrifugeBundle(): Promise<Buffer> {
  bundle ??= (async () => {
    const main = createRequire(import.meta.url).resolve('centrifuge') // …/centrifuge/build/index.js
    return readFile(join(dirname(main), '..', 'dist', 'centrifuge.js'))
  })()
  return bundle
}

function file(body: string | Buffer, type: string): Response {
  return new Response(typeof body === 'string' ? body : new Uint8Array(body), { status: 200, headers: { 'Content-Type': type, 'Cache-Control': 'no-cache' } })
}

/** The page's config: what it needs to connect and to load data. */
export function pageConfig(app: MoonlightApp, channels: string[]): Record<string, unknown> {
  const cfg = realtimeConfig(app.settings)
  return {
    enabled: cfg.enabled,
    websocket: cfg.websocketUrl,
    channels: channels.map((c) => `${cfg.channelPrefix}:${c}`),
    api: `${app.apiBase}${app.defaultSwitch}/`,
  }
}

/**
 * @example
 * import { realtimePage } from 'pionia/moonlight/realtime'
 * createApp({ middleware: [realtimePage({ path: '/board', dir: new URL('./public/board/', import.meta.url), channels: ['tasks'] })] })
 */
export function realtimePage(options: RealtimePageOptions): Middleware {
  const base = '/' + (options.path ?? '/board').replace(/^\/+|\/+$/g, '')
  const root = resolve(typeof options.dir === 'string' ? options.dir : fileURLToPath(options.dir))
  const channels = options.channels ?? []
  return {
    name: 'realtime-page',
    async onRequest(info) {
      const { pathname } = info.url
      if (pathname !== base && !pathname.startsWith(base + '/')) return
      if (info.request.method !== 'GET' && info.request.method !== 'HEAD') {
        return new Response('Method not allowed', { status: 405, headers: { Allow: 'GET, HEAD' } })
      }
      // The page loads its scripts and config by relative URL: they resolve under base/ only.
      if (pathname === base) return new Response(null, { status: 308, headers: { Location: `${base}/${info.url.search}` } })
      let rest: string
      try {
        rest = decodeURIComponent(pathname.slice(base.length).replace(/^\/+/, '')) || 'index.html'
      } catch {
        return new Response('Bad request: malformed percent-encoding in the path', { status: 400 })
      }
      if (rest === 'config.json') return file(JSON.stringify(pageConfig(currentApp(), channels)), TYPES['.json']!)
      if (rest === 'centrifuge.js') return file(await centrifugeBundle(), TYPES['.js']!)
      if (rest === 'pionia-client.js') return file(await clientBundle(), TYPES['.js']!)
      const target = resolve(root, rest)
      if (target !== root && !target.startsWith(root + sep)) return new Response('Not found', { status: 404 })
      try {
        return file(await readFile(target), TYPES[extname(target)] ?? 'application/octet-stream')
      } catch {
        return new Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
      }
    },
  }
}
