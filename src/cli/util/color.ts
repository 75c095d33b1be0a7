/**
 * Colour decision for CLI output, made once per stream (never per line): colours only on a TTY,
 * `NO_COLOR` (any non-empty value) and `TERM=dumb` switch them off, `FORCE_COLOR` switches them on.
 * @module
 */

/** Whether `stream` should get ANSI colours under `env`. */
export function useColor(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR) return false
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true
  if (env.TERM === 'dumb') return false
  return Boolean((stream as { isTTY?: boolean }).isTTY)
}

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const
export type ColorName = keyof typeof CODES

/** A painter: `paint('red', s)` wraps `s` in ANSI codes when enabled, returns it unchanged otherwise. */
export type Paint = (color: ColorName, text: string) => string

export function painter(enabled: boolean): Paint {
  return enabled ? (c, t) => `\x1b[${CODES[c]}m${t}\x1b[0m` : (_c, t) => t
}
