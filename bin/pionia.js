#!/usr/bin/env node
// The pionia CLI entry. It runs the compiled CLI from dist/ (npm run build makes it).
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const entry = new URL('../dist/src/cli/main.js', import.meta.url)
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('pionia: the CLI is not built yet: run npm run build in the pionia package\n')
  process.exit(1)
}
const { main } = await import(entry.href)
await main()
