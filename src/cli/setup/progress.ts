/**
 * Progress for rr:setup's two slow steps. On a TTY one status line is redrawn in place (at most 10
 * times a second); on a pipe a line is written every 15 s (and at the end), so logs stay short but
 * a long step is never silent.
 * - {@link progressBar}: the release download, bytes and percent.
 * - {@link buildProgress}: the Go build of rr, fed `go build -v` output: modules fetched
 *   (`go: downloading …`), packages compiled (one package path a line), elapsed time; other lines
 *   (errors, build-rr's own) pass through.
 * @module
 */
const mb = (n: number): string => (n / 1024 / 1024).toFixed(1)

/** Seconds between status lines when the output is not a TTY. */
export const PIPE_INTERVAL_MS = 15_000

/** `1m05s` / `42s`. */
export function elapsed(ms: number): string {
  const s = Math.floor(ms / 1000)
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`
}

export function progressBar(stream: NodeJS.WritableStream, tty: boolean, label: string, now: () => number = Date.now): { update(done: number, total: number): void; end(): void } {
  let last = -Infinity
  let lastLine = now()
  let drawn = false
  let doneAll = false
  const percent = (done: number, total: number): string => (total > 0 ? `${Math.floor(Math.min(1, done / total) * 100)}%` : '?%')
  return {
    update(done, total) {
      const t = now()
      if (tty) {
        if (t - last < 100 && done !== total) return
        last = t
        const ratio = total > 0 ? Math.min(1, done / total) : 0
        const width = 30
        const bar = total > 0 ? '#'.repeat(Math.round(ratio * width)).padEnd(width, '-') : '?'.repeat(width)
        stream.write(`\r  ${label} [${bar}] ${percent(done, total).padStart(4)} ${mb(done)}/${total > 0 ? mb(total) : '?'} MB`)
        drawn = true
      } else if (total > 0 && done >= total) {
        if (!doneAll) stream.write(`  ${label}: 100% (${mb(total)}/${mb(total)} MB)\n`)
        doneAll = true
      } else if (t - lastLine >= PIPE_INTERVAL_MS) {
        lastLine = t
        stream.write(`  ${label}: ${percent(done, total)} (${mb(done)}/${total > 0 ? mb(total) : '?'} MB)\n`)
      }
    },
    end() {
      if (drawn) stream.write('\n')
    },
  }
}

/** A package path as `go build -v` prints it (no spaces, no `go:` prefix). */
const PACKAGE = /^[A-Za-z0-9_.~-]+(?:\/[A-Za-z0-9_.~+-]+)*$/

export interface BuildProgress {
  /** One line of the build's output. */
  line(l: string): void
  /** Redraws / writes the status if it is due (called by the timer, so a silent link step still shows time). */
  tick(): void
  /** The final status line. */
  end(): void
  readonly modules: number
  readonly packages: number
}

export function buildProgress(stream: NodeJS.WritableStream, tty: boolean, now: () => number = Date.now): BuildProgress {
  const start = now()
  let modules = 0
  let packages = 0
  let lastDraw = -Infinity
  let lastLine = start
  let drawn = false
  const status = (): string => `  Building rr: ${modules} module${modules === 1 ? '' : 's'} fetched, ${packages} package${packages === 1 ? '' : 's'} compiled, ${elapsed(now() - start)}`
  const clear = (): void => {
    if (drawn) stream.write('\r\x1b[K')
    drawn = false
  }
  const tick = (): void => {
    const t = now()
    if (tty) {
      if (t - lastDraw < 100) return
      lastDraw = t
      stream.write(`\r${status()}\x1b[K`)
      drawn = true
    } else if (t - lastLine >= PIPE_INTERVAL_MS) {
      lastLine = t
      stream.write(`${status()}\n`)
    }
  }
  return {
    line(l) {
      const text = l.trim()
      if (text.startsWith('go: downloading ')) modules++
      else if (PACKAGE.test(text)) packages++
      else {
        clear()
        stream.write(`  ${text}\n`)
      }
      tick()
    },
    tick,
    end() {
      clear()
      stream.write(`${status()}\n`)
    },
    get modules() {
      return modules
    },
    get packages() {
      return packages
    },
  }
}
