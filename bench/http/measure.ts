/**
 * A tiny in-process timing loop for the micro-benchmarks in bench/http (no dependency, warm-up
 * first, median of several rounds so one GC pause does not decide the figure).
 */
export interface Timing {
  name: string
  /** Median nanoseconds per call. */
  ns: number
}

export async function measure(name: string, fn: () => unknown, { iterations = 50_000, rounds = 7 } = {}): Promise<Timing> {
  for (let i = 0; i < iterations / 5; i++) await fn()
  const per: number[] = []
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < iterations; i++) {
      const x = fn()
      if (x instanceof Promise) await x
    }
    per.push(Number(process.hrtime.bigint() - t0) / iterations)
  }
  per.sort((a, b) => a - b)
  return { name, ns: per[Math.floor(per.length / 2)]! }
}

export function printRatio(a: Timing, b: Timing): void {
  const row = (t: Timing) => `${t.name.padEnd(48)} ${t.ns.toFixed(0).padStart(7)} ns/op`
  process.stderr.write(`${row(a)}\n${row(b)}\n${''.padEnd(48)} ratio ${(a.ns / b.ns).toFixed(2)}x\n\n`)
}
