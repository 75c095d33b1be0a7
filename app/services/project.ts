/**
 * `project`: CRUD over projects. Reading is public; create, update and delete need a login.
 */
import { Service, response, NotFoundError, ValidationError, type RequestData } from '../../src/moonlight/index.js'
import { pageInfo, readPage } from './pagination.js'

const STATUSES = 'in:active,paused,done'

export class ProjectService extends Service {
  static override description = 'Client projects'
  static override auth = { authenticated: true, except: ['list', 'retrieve'] }
  static override actions = {
    list: { summary: 'List projects' },
    retrieve: { summary: 'One project by id', rules: { id: 'required|integer' } },
    create: { summary: 'Create a project', rules: { name: 'required|string|min:3|max:120', client: 'string|max:120', status: STATUSES } },
    update: { summary: 'Change name, client or status', rules: { id: 'required|integer', name: 'string|min:3|max:120', client: 'string|max:120', status: STATUSES } },
    delete: { summary: 'Delete a project', rules: { id: 'required|integer' } },
  }

  async listAction(data: RequestData) {
    const page = readPage(data)
    const db = await this.db()
    const projects = await db.all('SELECT * FROM projects ORDER BY id LIMIT ? OFFSET ?', [page.limit, page.offset])
    const total = await db.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM projects')
    return response(0, 'OK', { projects, ...pageInfo(page, projects.length, Number(total?.n ?? 0)) })
  }

  async retrieveAction(data: RequestData) {
    return response(0, 'OK', { project: await this.#find(data.getInt('id')!) })
  }

  async createAction(data: RequestData) {
    const project = await (await this.db()).get(
      'INSERT INTO projects (name, client, status) VALUES (?, ?, ?) RETURNING *',
      [data.getString('name')!.trim(), data.getString('client') ?? null, data.getString('status') ?? 'active'],
    )
    return response(0, 'Project created', { project })
  }

  async updateAction(data: RequestData) {
    const id = data.getInt('id')!
    const current = await this.#find(id)
    const fields = ['name', 'client', 'status'].filter((f) => data.has(f))
    if (!fields.length) throw new ValidationError('Nothing to update: send name, client or status', 'name')
    const next = { ...current, ...Object.fromEntries(fields.map((f) => [f, data.getString(f)])) }
    const project = await (await this.db()).get(
      'UPDATE projects SET name = ?, client = ?, status = ? WHERE id = ? RETURNING *',
      [next.name, next.client ?? null, next.status, id],
    )
    return response(0, 'Project updated', { project })
  }

  async deleteAction(data: RequestData) {
    const id = data.getInt('id')!
    await this.#find(id)
    await (await this.db()).run('DELETE FROM projects WHERE id = ?', [id])
    return response(0, 'Project deleted', { id })
  }

  async #find(id: number): Promise<Record<string, unknown>> {
    const row = await (await this.db()).get<Record<string, unknown>>('SELECT * FROM projects WHERE id = ?', [id])
    if (!row) throw new NotFoundError(`Project ${id} not found`)
    return row
  }
}
