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

/** DeskFlow's services, per switch (the typed client reads them: `createClient<DeskflowApp>()`). */
const switches = () => ({ v1: countCalls({ task: TaskService, member: MemberService, project: ProjectService, mail: MailService }) })

/** The app's type, for `createClient<DeskflowApp>(baseUrl)` (pionia/client). */
export type DeskflowApp = Moonlight<ReturnType<typeof switches>>

/** Builds the app for the project at `root` (default: the current directory). */
export function createDeskflowApp(options: { root?: string } = {}): DeskflowApp {
  const jwt = jwtAuthentication()
  const app: DeskflowApp = createApp({
    root: options.root,
    switches: switches(),
    // A valid JWT counts only while its member still exists: a deleted member's token is refused.
    auth: [
      {
        name: 'jwt-member',
        async authenticate(input) {
          const user = await jwt.authenticate(input)
          const id = Number((user?.user as { id?: unknown } | undefined)?.id)
          if (!user || !Number.isInteger(id)) return null
          const row = await (await app.db.connection()).get('SELECT id FROM team_members WHERE id = ?', [id])
          return row ? user : null
        },
      },
    ],
    // GET /board: the live task board (static page + centrifuge-js; new tasks arrive on moonlight:tasks).
    middleware: [requestId, realtimePage({ path: '/board', dir: new URL('./public/board/', import.meta.url), channels: ['tasks'] })],
    onDatabaseOpen: bootstrapDatabase,
  })
  return app
}

export default createDeskflowApp
