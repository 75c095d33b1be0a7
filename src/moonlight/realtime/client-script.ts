/**
 * pionia/client as one browser ES module (esbuild, on first request): what a realtime page imports
 * (`import { createClient } from './pionia-client.js'`). Built for the browser platform from
 * src/client only, so a server import there fails this build instead of shipping.
 * @module
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

let built: Promise<string> | undefined

/** The client's entry: index.js when compiled (dist), index.ts when run from source. */
export function clientEntry(): string {
  const js = fileURLToPath(new URL('../../client/index.js', import.meta.url))
  return existsSync(js) ? js : fileURLToPath(new URL('../../client/index.ts', import.meta.url))
}

/** The bundled ES module source (built once per process). */
export function clientBundle(): Promise<string> {
  built ??= (async () => {
    const { build } = await import('esbuild')
    const out = await build({
      entryPoints: [clientEntry()],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2020',
      minify: true,
      metafile: true,
      write: false,
      legalComments: 'none',
    })
    const outside = Object.keys(out.metafile.inputs).filter((f) => !/(^|\/)src\/client\//.test(f))
    if (outside.length) throw new Error(`pionia/client must not import outside src/client, but bundles ${outside.join(', ')}`)
    return out.outputFiles[0]!.text
  })()
  built.catch(() => (built = undefined))
  return built
}
