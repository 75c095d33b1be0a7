/** Ladder case `fetch`: the smallest pionia worker, a fetch handler answering `{"ok":true}`. */
import { serve } from '../../../src/index.js'

await serve({ http: { fetch: () => Response.json({ ok: true }) } })
