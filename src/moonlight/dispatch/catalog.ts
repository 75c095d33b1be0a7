/**
 * The catalog of a switch: its services and actions with their auth and rules (what `__catalog` shows).
 * @module
 */
import { resolveActionMeta, Service, type ServiceClass } from './service.js'
import { actionMethodName, snakeCase } from '../core/names.js'

/** Services and actions of a switch, with their auth and rules. */
export function catalogOf(services: Record<string, ServiceClass>, version: string): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [alias, cls] of Object.entries(services)) {
    const actions: Record<string, unknown>[] = []
    const seen = new Set<string>()
    for (let proto = cls.prototype; proto && proto !== Service.prototype; proto = Object.getPrototypeOf(proto)) {
      for (const name of Object.getOwnPropertyNames(proto)) {
        if (!name.endsWith('Action') || seen.has(name)) continue
        seen.add(name)
        const meta = resolveActionMeta(cls, name)
        const summary = Object.entries(cls.actions ?? {}).find(([k]) => actionMethodName(k) === name)?.[1].summary ?? null
        actions.push({ name: snakeCase(name), method: name, auth: meta.auth, rules: meta.rules ?? null, summary })
      }
    }
    out[alias] = { description: cls.description ?? null, actions }
  }
  return { version, services: out }
}
