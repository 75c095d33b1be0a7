/**
 * The HTML Moonlight answers browsers with: the API overview and the 404 page.
 * @module
 */

/** Content-Type of every page. */
export const HTML_TYPE = 'text/html; charset=UTF-8'

export const esc = (t: string): string => t.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** The overview for browsers: how to call the API, and its services. */
export function overviewPage(app: string, base: string, version: string, services: string[]): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(app)} API ${esc(version)}</title></head>` +
    `<body style="font-family:system-ui;max-width:44rem;margin:3rem auto"><h1>${esc(app)}: Moonlight API ${esc(version)}</h1>` +
    `<p>POST a JSON object to <code>${esc(base + version)}</code> with <code>service</code>, <code>action</code> and the action's fields, ` +
    `e.g. <code>{"service":"${esc(services[0] ?? 'task')}","action":"list"}</code>. Health check: <code>GET ${esc(`${base}${version}/ping`)}</code>.</p>` +
    `<p>Services: ${services.map((s) => `<code>${esc(s)}</code>`).join(', ') || 'none yet'}.</p></body></html>`
}

/** The 404 page. */
export function notFoundPage(message: string): string {
  return `<!doctype html><title>404</title><h1>Not found</h1><p>${esc(message)}</p>`
}
