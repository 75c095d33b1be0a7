/**
 * The worker-entry probe: `pionia rr:setup` and `runserver` import the worker once, outside rr, with
 * PIONIA_PROBE=<file>, to learn which rr plugins (RR_MODE values) it can serve before rr starts it. The
 * first pionia entry point the worker calls (serve, serveHttp, runWorker) writes `{"modes": [...]}`
 * (null: a raw payload worker, it takes any mode) to that file and ends the process.
 * @module
 */
import { writeFileSync } from 'node:fs'

/** The probe file's content. */
export interface ProbeAnswer {
  modes: string[] | null
}

/** In a probe run: records `modes` and exits. Outside one: returns. */
export function answerProbe(modes: string[] | null): void {
  const file = process.env.PIONIA_PROBE
  if (!file) return
  writeFileSync(file, JSON.stringify({ modes } satisfies ProbeAnswer))
  process.exit(0)
}
