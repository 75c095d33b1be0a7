/**
 * The process `npx pionia openapi` starts (with the tsx loader, in the project root): loads the app
 * module and writes its OpenAPI document to `--out`. A process entry: it reads argv and exits.
 * @module
 */
import { parseArgs } from 'node:util'
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { loadApp, noAppMessage } from './load-app.js'
import { describe } from '../util/describe.js'

const { values } = parseArgs({ options: { app: { type: 'string' }, out: { type: 'string' }, server: { type: 'string', multiple: true } }, strict: true })
process.env.PIONIA_RUNTIME ??= 'openapi'
try {
  const file = resolve(values.app!)
  const app = (await loadApp(file)) as { openapi?: (o: { servers?: string[] }) => unknown; close?: () => unknown } | null
  if (!app) throw new Error(noAppMessage(file))
  if (typeof app.openapi !== 'function') throw new Error(`${file}: the exported app has no openapi(): export a Moonlight app (createApp from pionia/moonlight)`)
  writeFileSync(values.out!, `${JSON.stringify(app.openapi({ servers: values.server }), null, 2)}\n`)
  await app.close?.()
  process.exit(0)
} catch (err) {
  process.stderr.write(`${describe(err)}\n`)
  process.exit(1)
}
