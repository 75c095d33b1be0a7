/** Reads rr's Prometheus endpoint: `sample('name', {label: value})` → number | undefined. */
export interface Scrape {
  text: string
  sample(name: string, labels?: Record<string, string>): number | undefined
}

export async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(url)
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`)
  const text = await res.text()
  const rows = text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(l)
      if (!m) return undefined
      const labels: Record<string, string> = {}
      for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!
      return { name: m[1]!, labels, value: Number(m[3]) }
    })
    .filter((r) => r !== undefined)
  return {
    text,
    sample(name, want = {}) {
      const row = rows.find(
        (r) => r.name === name && Object.keys(want).length === Object.keys(r.labels).length && Object.entries(want).every(([k, v]) => r.labels[k] === v),
      )
      return row?.value
    },
  }
}
