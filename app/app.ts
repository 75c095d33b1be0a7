/**
 * DeskFlow: Northwind Studio's task-board API, the example Moonlight app. `worker.ts` serves it under
 * rr; `npx pionia serve` serves it with node:http; tests call `createDeskflowApp({ root }).fetch()`.
 */
import { createApp, jwtAuthentication, type Moonlight } from '../src/moonlight/index.js'
import { bootstrapDatabase } from './database/bootstrap.js'
import { TaskService } from './services/task.js'
import { MemberService } from './services/member.js'
import { ProjectService } from './services/project.js'
import { MailService } from './services/mail.js'
import { requestId } from './middleware/request-id.js'
import { realtimePage } from '../src/moonlight/realtime/index.js'
import { countCalls } from './request-metrics.js'

/** Builds the app for the project at `root` (default: the current directory). */
export function createDeskflowApp(options: { root?: string } = {}): Moonlight {
  return createApp({
    root: options.root,
    switches: {
      v1: countCalls({ task: TaskService, member: MemberService, project: ProjectService, mail: MailService }),
    },
    auth: [jwtAuthentication()],
    // GET /board: the live task board (static page + centrifuge-js; new tasks arrive on moonlight:tasks).
    middleware: [requestId, realtimePage({ path: '/board', dir: new URL('./public/board/', import.meta.url), channels: ['tasks'] })],
    onDatabaseOpen: bootstrapDatabase,
  })
}

export default createDeskflowApp
