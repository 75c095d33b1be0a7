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

const ROOT_METHODS = ['GET', 'POST']
const GET_ONLY = ['GET']

/** The methods a route accepts (HEAD counts as GET). */
export function allowedMethods(kind: RouteKind): string[] {
  return kind === 'root' ? ROOT_METHODS : GET_ONLY
}
