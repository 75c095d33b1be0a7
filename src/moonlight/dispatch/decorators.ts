/**
 * Decorators (TypeScript 5 standard decorators) that declare what `static actions` / `static auth`
 * declare, next to the method: Pionia's #[Authenticated], #[Can], #[CanAny], #[Validated] and
 * #[ValidateField]. The metadata is kept on the method function, so it needs no Symbol.metadata.
 * @module
 */
import type { ActionMeta, ServiceAuth } from './meta.js'
import type { RuleMap, RuleSpec } from '../validation/rules.js'

const kActionMeta = Symbol.for('pionia.moonlight.actionMeta')

type Fn = (...args: never[]) => unknown
type Ctx = ClassMethodDecoratorContext | ClassDecoratorContext

/** The metadata decorators left on an action method (undefined when none). */
export function decoratedMeta(method: unknown): ActionMeta | undefined {
  return typeof method === 'function' ? (method as unknown as Record<symbol, ActionMeta | undefined>)[kActionMeta] : undefined
}

/** Two sets of action metadata combined: requirements add up, rules for the same field join. */
export function mergeMeta(a: ActionMeta | undefined, b: ActionMeta | undefined): ActionMeta | undefined {
  if (!a || !b) return a ?? b
  const rules: RuleMap = { ...(a.rules ?? {}) }
  for (const [field, spec] of Object.entries(b.rules ?? {})) {
    rules[field] = [rules[field], spec].filter((s) => s !== undefined).map((s) => (Array.isArray(s) ? s.join('|') : s)).join('|')
  }
  return {
    ...a,
    ...b,
    authenticated: !!a.authenticated || !!b.authenticated,
    ...(a.can || b.can ? { can: [...(a.can ?? []), ...(b.can ?? [])] } : {}),
    ...(a.canAny || b.canAny ? { canAny: [...(a.canAny ?? []), ...(b.canAny ?? [])] } : {}),
    ...(Object.keys(rules).length ? { rules } : {}),
  }
}

function addMeta(method: Fn, extra: ActionMeta): void {
  const m = method as unknown as Record<symbol, ActionMeta | undefined>
  m[kActionMeta] = mergeMeta(m[kActionMeta], extra)
}

function onClass(cls: unknown, auth: ServiceAuth): void {
  const c = cls as { auth?: ServiceAuth }
  c.auth = { ...(c.auth ?? {}), ...auth }
}

/**
 * Requires an authenticated user: on an action, or on the class (with `except` actions).
 * @example
 * import { Service, Authenticated, response } from 'pionia/moonlight'
 * class TaskService extends Service {
 *   @Authenticated() async createAction() { return response(0, 'Task created') }
 * }
 */
export function Authenticated(options: { except?: string[] } = {}) {
  return (value: Fn | (abstract new (...a: never[]) => unknown), context: Ctx): void => {
    if (context.kind === 'class') onClass(value, { authenticated: true, except: options.except })
    else addMeta(value as Fn, { authenticated: true })
  }
}

/** Requires every one of the permissions (canAll); on an action it replaces the class's lists. */
export function Can(...permissions: string[]) {
  return (value: Fn | (abstract new (...a: never[]) => unknown), context: Ctx): void => {
    if (context.kind === 'class') onClass(value, { can: permissions })
    else addMeta(value as Fn, { can: permissions })
  }
}

/** Requires at least one of the permissions. */
export function CanAny(...permissions: string[]) {
  return (value: Fn | (abstract new (...a: never[]) => unknown), context: Ctx): void => {
    if (context.kind === 'class') onClass(value, { canAny: permissions })
    else addMeta(value as Fn, { canAny: permissions })
  }
}

/** Validates the action's data before it runs (422 on the first failure). */
export function Validated(rules: RuleMap) {
  return (value: Fn, _context: ClassMethodDecoratorContext): void => addMeta(value, { rules })
}

/** One field's rules; repeatable, and merged with @Validated rules for the same field. */
export function ValidateField(field: string, rules: RuleSpec) {
  return (value: Fn, _context: ClassMethodDecoratorContext): void => addMeta(value, { rules: { [field]: rules } })
}
