/**
 * Services: classes whose `…Action` methods are the callable actions, with auth helpers and
 * declarative metadata (auth and validation rules per action) kept in static fields.
 * @module
 */
import type { ContextUser } from '../core/user.js'
import type { RequestData } from '../core/data.js'
import type { Envelope } from '../core/envelope.js'
import type { FileBag, MoonlightRequest } from '../core/context.js'
import { UnauthenticatedError, UnauthorizedError } from '../core/errors.js'
import type { ActionMeta, AuthRule, ServiceAuth } from './meta.js'
import type { RuleMap } from '../validation/rules.js'
import { decoratedMeta, mergeMeta } from './decorators.js'
import { actionKey } from '../core/names.js'
import type { Connection } from '../db/connection.js'
import type { Logger } from '../core/log.js'

export type { ActionMeta, AuthRule, ServiceAuth } from './meta.js'

/** An action: `(data, files, request)` → envelope. */
export type Action = (data: RequestData, files: FileBag, request: MoonlightRequest) => Envelope | Promise<Envelope>

/** The constructor shape a switch registers. */
export interface ServiceClass {
  new (): Service
  auth?: ServiceAuth
  actions?: Record<string, ActionMeta>
  deactivatedActions?: string[]
  /** Optional description for the catalog. */
  description?: string
}

const NO_PERMS_MESSAGE = 'You must be authorised to access this resource'
const DENIED_MESSAGE = 'You do not have access to this resource'

/**
 * Base class of Moonlight services. One instance per call; `this.request` is set before the action runs.
 * @example
 * import { Service, response, type RequestData } from 'pionia/moonlight'
 * export class TaskService extends Service {
 *   static actions = { create: { authenticated: true, rules: { title: 'required|string|min:3' } } }
 *   async listAction() { return response(0, 'OK', { tasks: [] }) }
 *   async createAction(data: RequestData) { return response(0, 'Task created', { title: data.getString('title') }) }
 * }
 */
export abstract class Service {
  /** Class-level auth requirements (see ServiceAuth). */
  static auth?: ServiceAuth
  /** Per-action metadata, keyed by action name in any spelling. */
  static actions?: Record<string, ActionMeta>
  /** Actions that answer 500 "Action X is currently deactivated." */
  static deactivatedActions?: string[]
  /** Shown in the catalog. */
  static description?: string

  /** The call being served (set by the dispatcher). */
  request!: MoonlightRequest

  /** The authenticated user, or null. */
  auth(): ContextUser | null {
    return this.request?.user ?? null
  }

  /** Throws 401 unless a user is authenticated. */
  mustAuthenticate(message?: string): ContextUser {
    const u = this.auth()
    if (!u || !u.authenticated) throw new UnauthenticatedError(message)
    return u
  }

  /** Throws 401/403 unless the user has `permission`. */
  can(permission: string, message?: string): void {
    this.canAll([permission], message)
  }

  /** Throws 401/403 unless the user has every permission. */
  canAll(permissions: readonly string[], message?: string): void {
    const u = this.mustAuthenticate()
    if (!permissions.every((p) => u.permissions.includes(p))) {
      throw new UnauthorizedError(message ?? (u.permissions.length ? DENIED_MESSAGE : NO_PERMS_MESSAGE))
    }
  }

  /** Throws 401/403 unless the user has at least one of the permissions. */
  canAny(permissions: readonly string[], message?: string): void {
    const u = this.mustAuthenticate()
    if (!permissions.some((p) => u.permissions.includes(p))) {
      throw new UnauthorizedError(message ?? (u.permissions.length ? DENIED_MESSAGE : NO_PERMS_MESSAGE))
    }
  }

  /**
   * Presence check: each field must be in the data and not null or empty, else a 422 naming it.
   * (Pionia's `requires()` ends as a 500; a missing field is the client's error.)
   */
  requires(fields: string[]): void {
    const data = this.request.data
    for (const f of fields) data.getOrThrow(f)
  }

  /** A database connection of the app's pool (default: `default`), reused across requests. */
  db(name?: string): Promise<Connection> {
    return this.request.app.db.connection(name)
  }

  /** The app's logger. */
  get logger(): Logger {
    return this.request.app.logger
  }

  /** True when authExtra holds `key`. */
  authExtraHas(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.auth()?.authExtra ?? {}, key)
  }

  getAuthExtraByKey<T = unknown>(key: string): T | undefined {
    return this.auth()?.authExtra[key] as T | undefined
  }
}

/** Metadata of one action, with the class-level auth merged in by Pionia's precedence rules. */
export function resolveActionMeta(cls: ServiceClass, action: string): { auth: AuthRule; rules: RuleMap | undefined } {
  const key = actionKey(action)
  let fromStatic: ActionMeta | undefined
  for (const [k, v] of Object.entries(cls.actions ?? {})) if (actionKey(k) === key) fromStatic = v
  const fromDecorators = decoratedMeta((cls.prototype as unknown as Record<string, unknown>)[`${key}Action`])
  const meta = mergeMeta(fromStatic, fromDecorators)
  const classAuth = cls.auth
  const classApplies = !!classAuth && !(classAuth.except ?? []).some((e) => actionKey(e) === key)
  const auth: AuthRule = {
    authenticated: !!meta?.authenticated || (classApplies && !!classAuth!.authenticated),
    can: meta?.can ?? (meta?.canAny ? undefined : classApplies ? classAuth!.can : undefined),
    canAny: meta?.canAny ?? (meta?.can ? undefined : classApplies ? classAuth!.canAny : undefined),
  }
  return { auth, rules: meta?.rules }
}

type ResolvedMeta = { auth: AuthRule; rules: RuleMap | undefined }

/** What one class's metadata was resolved from, and the results by action name as sent. */
interface MetaCache {
  actions: ServiceClass['actions']
  auth: ServiceAuth | undefined
  byAction: Map<string, { method: string; decorated: ActionMeta | undefined; meta: ResolvedMeta }>
}

const metaCaches = new WeakMap<ServiceClass, MetaCache>()
/** Spellings remembered per class (`send_welcome`, `sendWelcome`, … are client-chosen): the map starts over when full. */
const MAX_SPELLINGS = 1000

/**
 * {@link resolveActionMeta}, computed once per class and action: recomputed when the class's
 * `actions` or `auth`, or the method's decorator metadata, is replaced. Called only for actions
 * that exist.
 */
export function actionMetaOf(cls: ServiceClass, action: string): ResolvedMeta {
  let cache = metaCaches.get(cls)
  if (cache === undefined || cache.actions !== cls.actions || cache.auth !== cls.auth) {
    cache = { actions: cls.actions, auth: cls.auth, byAction: new Map() }
    metaCaches.set(cls, cache)
  }
  const proto = cls.prototype as unknown as Record<string, unknown>
  const hit = cache.byAction.get(action)
  if (hit !== undefined && decoratedMeta(proto[hit.method]) === hit.decorated) return hit.meta
  const method = `${actionKey(action)}Action`
  const entry = { method, decorated: decoratedMeta(proto[method]), meta: resolveActionMeta(cls, action) }
  if (cache.byAction.size >= MAX_SPELLINGS) cache.byAction.clear()
  cache.byAction.set(action, entry)
  return entry.meta
}

/** Enforces an AuthRule: permission lists first, then canAny, then plain authentication. */
export function enforceAuth(service: Service, rule: AuthRule): void {
  if (rule.can?.length) service.canAll(rule.can)
  if (rule.canAny?.length) service.canAny(rule.canAny)
  if (!rule.can?.length && !rule.canAny?.length && rule.authenticated) service.mustAuthenticate()
}
