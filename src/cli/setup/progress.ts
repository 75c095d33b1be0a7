/**
 * A download progress bar: redrawn in place on a TTY (at most 10 times a second), and on a pipe
 * one line per quarter so logs stay short.
 * @module
 */
const mb = (n: number): string => (n / 1024 / 1024).toFixed(1)

export function progressBar(stream: NodeJS.WritableStream, tty: boolean, label: string): { update(done: number, total: number): void; end(): void } {
  let last = 0
  let quarter = 0
  let drawn = false
  return {
    update(done, total) {
      if (tty) {
        const now = Date.now()
        if (now - last < 100 && done !== total) return
        last = now
        const ratio = total > 0 ? Math.min(1, done / total) : 0
        const width = 30
        const bar = total > 0 ? '#'.repeat(Math.round(ratio * width)).padEnd(width, '-') : '?'.repeat(width)
        stream.write(`\r  ${label} [${bar}] ${total > 0 ? `${Math.floor(ratio * 100)}%`.padStart(4) : ''} ${mb(done)}/${total > 0 ? mb(total) : '?'} MB`)
        drawn = true
      } else if (total > 0) {
        const q = Math.floor((done / total) * 4)
        while (quarter < q) {
          quarter++
          stream.write(`  ${label}: ${quarter * 25}% (${mb(Math.min(done, (total * quarter) / 4))}/${mb(total)} MB)\n`)
        }
      }
    },
    end() {
      if (drawn) stream.write('\n')
    },
  }
}
