/**
 * The shapes of declarative action metadata (auth requirements and validation rules), shared by
 * `static actions`/`static auth` and the decorators.
 * @module
 */
import type { RuleMap } from '../validation/rules.js'

/** Auth requirements of an action (Pionia's #[Authenticated], #[Can], #[CanAny]). */
export interface AuthRule {
  /** Require an authenticated user. */
  authenticated?: boolean
  /** Require every one of these permissions (canAll). */
  can?: readonly string[]
  /** Require at least one of these permissions. */
  canAny?: readonly string[]
}

/** Class-level auth; `except` lists actions it does not cover (any spelling: `send_welcome`, `sendWelcomeAction`). */
export interface ServiceAuth extends AuthRule {
  except?: readonly string[]
}

/** Per-action metadata: auth (always applies; its permission lists replace the class's) and rules (422 on failure). */
export interface ActionMeta extends AuthRule {
  rules?: RuleMap
  /** One line for the catalog. */
  summary?: string
}
