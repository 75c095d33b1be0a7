/**
 * DeskFlow's worker entry: rr starts it (server.command in .rr.yaml) once per worker and tells it
 * which plugin it serves through RR_MODE.
 */
import { serve } from './src/serve.js'
import { createDeskflowApp } from './app/app.js'
import { moonlightCentrifugeHandler } from './src/moonlight/realtime/index.js'
import { moonlightJobConsumer, rrJobQueue } from './src/moonlight/jobs/index.js'
import { deskflowTcp } from './app/tcp.js'
import { deskflowGrpc } from './app/grpc/tasks.js'

const app = createDeskflowApp()
// moonlight().async(...) pushes to rr's jobs when `[jobs] ENABLED` (read per call) and rr answers.
app.useJobQueue(rrJobQueue(app.settings))

await serve({
  // RR_MODE=http: the Moonlight API.
  http: app,
  modes: {
    // RR_MODE=jobs: Moonlight jobs ({service, action, payload, switch}) dispatched through the same registry.
    jobs: moonlightJobConsumer(app),
    // RR_MODE=centrifuge: Centrifugo's proxy events; RPC frames {service, action, data} get the HTTP envelope.
    centrifuge: moonlightCentrifugeHandler(app),
  },
  // RR_MODE=tcp: DeskFlow's line protocol (TASKS, QUIT) when .rr.yaml has the tcp section.
  tcp: deskflowTcp(app),
  tcpDelimiter: '\n',
  // RR_MODE=grpc: deskflow.v1.TaskService (app/proto/deskflow/v1/tasks.proto) when .rr.yaml has the grpc section.
  grpc: deskflowGrpc(app),
  // Close database connections when rr stops the worker (never per request).
  onShutdown: app.close,
})
