/**
 * Which Moonlight route a path is, and which methods each route takes.
 * @module
 */

/** The routes under `<API_BASE><version>`: the dispatch root, ping, the catalog, the OpenAPI document, and GET service calls. */
export type RouteKind = 'root' | 'ping' | 'catalog' | 'openapi' | 'get'

/** A matched path: `{version, kind, segments}`; kind null: under the base but not a route. */
export interface Route {
  version: string
  kind: RouteKind | null
  segments: string[]
}

/** Which Moonlight route a path is, or null for anything outside the API base. */
export function matchRoute(path: string, base: string): Route | null {
  const rest = path === base.slice(0, -1) ? '' : path.startsWith(base) ? path.slice(base.length) : null
  if (rest === null) return null
  const segments = rest.split('/').filter(Boolean)
  const version = segments[0]
  if (!version) return null
  const n = segments.length
  const kind: RouteKind | null = n === 1 ? 'root' : n === 2 && segments[1] === 'ping' ? 'ping' : n === 2 && segments[1] === '__catalog' ? 'catalog' : n === 2 && segments[1] === '__openapi.json' ? 'openapi' : n === 3 ? 'get' : null
  return { version, kind, segments }
}

/** Paths seen, per API base: their route (shared, frozen). Paths are client-chosen, so each map starts over when full. */
const seen = new Map<string, Map<string, Readonly<Route> | null>>()
const MAX_SEEN = 256

/** {@link matchRoute}, remembered per path (no split per request): the result is shared, read it only. */
export function routeOf(path: string, base: string): Readonly<Route> | null {
  let paths = seen.get(base)
  if (paths === undefined) {
    paths = new Map()
    seen.set(base, paths)
  }
  let route = paths.get(path)
  if (route === undefined) {
    const r = matchRoute(path, base)
    route = r === null ? null : Object.freeze({ version: r.version, kind: r.kind, segments: Object.freeze(r.segments) as string[] })
    if (paths.size >= MAX_SEEN) paths.clear()
    paths.set(path, route)
  }
  return route
}

const ROOT_METHODS = ['GET', 'POST']
const GET_ONLY = ['GET']

/** The methods a route accepts (HEAD counts as GET). */
export function allowedMethods(kind: RouteKind): string[] {
  return kind === 'root' ? ROOT_METHODS : GET_ONLY
}
