/**
 * The framework's log lines. They go to stderr: under rr, stdout is the protocol pipe, and rr
 * forwards worker stderr into its own log.
 * @module
 */

/** Where Moonlight logs; pass your own (pino, …) to `createApp({ logger })`. */
export interface Logger {
  info(message: string, context?: Record<string, unknown>): void
  warn(message: string, context?: Record<string, unknown>): void
  error(message: string, context?: Record<string, unknown>): void
}

/** Keys whose values never reach a log line (`[logging] HIDE_IN_LOGS`, default password,pin,token). */
export const DEFAULT_HIDDEN_KEYS = ['password', 'pin', 'token']

/** Credentials masked whatever HIDE_IN_LOGS lists (a shorter list must not un-hide these). */
export const ALWAYS_HIDDEN_KEYS = [
  'password', 'passwd', 'secret', 'jwt_secret', 'api_key', 'apikey', 'access_token', 'refresh_token',
  'authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-maintenance-bypass', 'bypass', 'bypass_token',
]

function safeJson(v: unknown, hidden: Set<string>): string {
  try {
    return JSON.stringify(v, (key, val: unknown) => {
      if (key && hidden.has(key.toLowerCase())) return '********'
      return val instanceof Error ? { message: val.message, stack: val.stack } : val
    })
  } catch {
    return String(v)
  }
}

/**
 * A logger writing Pionia's TEXT format lines (`[time] app.level >> message {context}`) to stderr;
 * context values under the hidden keys and {@link ALWAYS_HIDDEN_KEYS} (any depth, any case) are masked.
 */
export function stderrLogger(channel = 'pionia', hiddenKeys: string[] = DEFAULT_HIDDEN_KEYS): Logger {
  const hidden = new Set([...ALWAYS_HIDDEN_KEYS, ...hiddenKeys].map((k) => k.trim().toLowerCase()).filter(Boolean))
  const write = (level: string) => (message: string, context?: Record<string, unknown>) => {
    const ctx = context && Object.keys(context).length ? ` ${safeJson(context, hidden)}` : ''
    process.stderr.write(`[${new Date().toISOString()}] ${channel}.${level} >> ${message}${ctx}\n`)
  }
  return { info: write('info'), warn: write('warning'), error: write('error') }
}
