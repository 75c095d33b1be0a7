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

function line(level: string, channel: string, message: string, context?: Record<string, unknown>): string {
  const ctx = context && Object.keys(context).length ? ` ${safeJson(context)}` : ''
  return `[${new Date().toISOString()}] ${channel}.${level} >> ${message}${ctx}\n`
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, val: unknown) => (val instanceof Error ? { message: val.message, stack: val.stack } : val))
  } catch {
    return String(v)
  }
}

/** A logger writing Pionia's TEXT format lines (`[time] app.level >> message {context}`) to stderr. */
export function stderrLogger(channel = 'pionia'): Logger {
  const write = (level: string) => (message: string, context?: Record<string, unknown>) => {
    process.stderr.write(line(level, channel, message, context))
  }
  return { info: write('info'), warn: write('warning'), error: write('error') }
}
