/**
 * The authenticated caller of one call, as every stage sees it (auth backends build it, services read it).
 * @module
 */

/** The authenticated caller of one request. */
export interface ContextUser {
  /** The user object or row (non-empty means authenticated). */
  user: unknown
  authenticated: boolean
  permissions: string[]
  /** Remaining claims or backend data. */
  authExtra: Record<string, unknown>
}

/** Builds a ContextUser; `authenticated` follows from a non-empty user. */
export function contextUser(user: unknown, permissions: string[] = [], authExtra: Record<string, unknown> = {}): ContextUser {
  return { user, authenticated: user !== null && user !== undefined && user !== '', permissions, authExtra }
}
