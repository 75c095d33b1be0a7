/**
 * `task`: the board. `list` (status filter, pagination) is public; `create`, `update` and `delete`
 * need a logged-in member; `create` defers the assignment email so the client gets its answer first.
 * Every write flushes the cached lists and tells open boards.
 */
import { Service, response, defer, NotFoundError, type RequestData } from '../../src/moonlight/index.js'
import { pageInfo, readPage } from '../../src/moonlight/index.js'
import { realtime } from '../../src/moonlight/realtime/index.js'
import { cache } from '../../src/moonlight/index.js'

/**
 * Task lists are cached in rr KV, so every worker serves the same list; any write flushes the group.
 * `[cache] TASK_LIST_TTL` (seconds, default 60; 0 turns the cache off).
 */
const taskLists = () => cache().group('tasks')

export const TASK_STATUSES = ['open', 'done', 'archived'] as const
/** Written out (not joined from TASK_STATUSES) so the typed client sees `'open' | 'done' | 'archived'`. */
const STATUS_RULE = 'in:open,done,archived'

export class TaskService extends Service {
  static override description = 'Tasks on the DeskFlow board'
  static override actions = {
    list: { summary: 'List tasks, optionally by status (limit 1..100, offset)', rules: { status: STATUS_RULE, limit: 'integer', offset: 'integer' } },
    create: {
      summary: 'Create a task (login required)',
      authenticated: true,
      rules: { title: 'required|string|min:3|max:200', status: STATUS_RULE, project_id: 'integer' },
    },
    update: {
      summary: 'Change a task’s title, status or assignee (login required)',
      authenticated: true,
      rules: { id: 'required|integer', title: 'string|min:3|max:200', status: STATUS_RULE, assignee: 'email' },
    },
    delete: { summary: 'Delete a task (login required)', authenticated: true, rules: { id: 'required|integer' } },
  } as const

  async listAction(data: RequestData) {
    const page = readPage(data)
    const status = data.getString('status')
    const where = status ? 'WHERE status = ?' : ''
    const params = status ? [status] : []
    const load = async () => {
      const db = await this.db()
      const tasks = await db.all(`SELECT * FROM tasks ${where} ORDER BY id LIMIT ? OFFSET ?`, [...params, page.limit, page.offset])
      const total = await db.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM tasks ${where}`, params)
      return { tasks, ...pageInfo(page, tasks.length, Number(total?.n ?? 0)) }
    }
    const ttl = Number(this.request.settings.get('cache', 'TASK_LIST_TTL') ?? 60)
    const key = `list:${status ?? '*'}:${page.limit}:${page.offset}`
    return response(0, 'OK', ttl > 0 ? await taskLists().remember(key, load, ttl) : await load())
  }

  async createAction(data: RequestData) {
    const member = this.mustAuthenticate()
    const me = member.user as { email?: string }
    const assignee = data.getString('assignee') ?? me.email ?? 'alex@northwind.studio'
    const db = await this.db()
    const task = await db.get<{ id: number; title: string }>(
      'INSERT INTO tasks (title, status, assignee, project_id) VALUES (?, ?, ?, ?) RETURNING *',
      [data.getString('title')!.trim(), data.getString('status') ?? 'open', assignee, data.getInt('project_id') ?? null],
    )
    await taskLists().flush()
    // Live board: open pages subscribed to moonlight:tasks get the new task (no-op unless [realtime] ENABLED).
    await realtime().publish('tasks', { event: 'task.created', task })
    const logger = this.logger
    defer(() => logger.info(`Assignment email sent to ${assignee} for task #${task!.id} "${task!.title}"`))
    return response(0, 'Task created', { task })
  }

  async updateAction(data: RequestData) {
    this.mustAuthenticate()
    const id = data.getInt('id')!
    const db = await this.db()
    const current = await db.get<{ id: number; title: string; status: string; assignee: string }>('SELECT * FROM tasks WHERE id = ?', [id])
    if (!current) throw new NotFoundError(`Task #${id} not found`)
    const task = await db.get(
      'UPDATE tasks SET title = ?, status = ?, assignee = ? WHERE id = ? RETURNING *',
      [data.getString('title')?.trim() ?? current.title, data.getString('status') ?? current.status, data.getString('assignee') ?? current.assignee, id],
    )
    await taskLists().flush()
    await realtime().publish('tasks', { event: 'task.updated', task })
    return response(0, 'Task updated', { task })
  }

  async deleteAction(data: RequestData) {
    this.mustAuthenticate()
    const id = data.getInt('id')!
    const db = await this.db()
    const gone = await db.get<{ id: number }>('DELETE FROM tasks WHERE id = ? RETURNING id', [id])
    if (!gone) throw new NotFoundError(`Task #${id} not found`)
    await taskLists().flush()
    await realtime().publish('tasks', { event: 'task.deleted', task: { id } })
    return response(0, 'Task deleted', { id })
  }
}
