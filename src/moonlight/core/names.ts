/**
 * Action name resolution: `list` → `listAction`, `send_welcome` → `sendWelcomeAction`; a name that
 * already contains "action" is only camel-cased (`loginAction`).
 * @module
 */

/** snake/kebab → camelCase, keeping the first letter as sent. */
export function camelCase(name: string): string {
  return name.replace(/[_\-\s]+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase())
}

/** Resolved names, memoised: every call resolves its action several times (method, metadata, except lists). */
const resolved = new Map<string, string>()

/** The method name an action resolves to. */
export function actionMethodName(action: string): string {
  let name = resolved.get(action)
  if (name === undefined) {
    const camel = camelCase(action.trim())
    name = /action/i.test(action) ? camel.replace(/action$/i, 'Action') : `${camel}Action`
    // Client-sent names are unbounded: start over rather than grow without limit.
    if (resolved.size >= 2000) resolved.clear()
    resolved.set(action, name)
  }
  return name
}

/** The normalised key used in metadata maps (`send_welcome`, `sendWelcome`, `sendWelcomeAction` → `sendWelcome`). */
export function actionKey(action: string): string {
  return actionMethodName(action).replace(/Action$/, '')
}

/** `sendWelcomeAction` → `send_welcome` (for catalogs and docs). */
export function snakeCase(method: string): string {
  return method.replace(/Action$/, '').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()
}
