/**
 * DeskFlow's worker entry: rr starts it (server.command in .rr.yaml) once per worker and tells it
 * which plugin it serves through RR_MODE.
 */
import { serve } from './src/serve.js'
import { createDeskflowApp } from './app/app.js'
import { moonlightCentrifugeHandler } from './src/moonlight/realtime/index.js'

const app = createDeskflowApp()

await serve({
  // RR_MODE=http: the Moonlight API.
  http: app,
  modes: {
    // RR_MODE=jobs: the Moonlight job consumer plugs in here (jobs layer; it dispatches with app.dispatch()).
    // RR_MODE=centrifuge: Centrifugo's proxy events; RPC frames {service, action, data} get the HTTP envelope.
    centrifuge: moonlightCentrifugeHandler(app),
  },
  // Close database connections when rr stops the worker (never per request).
  onShutdown: app.close,
})
