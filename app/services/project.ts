/**
 * `project`: CRUD over projects with GenericService. Reading is public; writes need a login.
 */
import { GenericService } from '../../src/moonlight/index.js'

const STATUSES = 'in:active,paused,done'

export class ProjectService extends GenericService {
  static override description = 'Client projects'
  static override table = 'projects'
  static override createColumns = ['name', 'client?', 'status?']
  static override updateColumns = ['name', 'client', 'status']
  static override auth = { authenticated: true, except: ['list', 'retrieve', 'random'] }
  static override actions = {
    list: { summary: 'List projects' },
    retrieve: { summary: 'One project by id', rules: { id: 'required|integer' } },
    create: { summary: 'Create a project', rules: { name: 'required|string|min:3|max:120', client: 'string|max:120', status: STATUSES } },
    update: { summary: 'Change name, client or status', rules: { id: 'required|integer', name: 'string|min:3|max:120', client: 'string|max:120', status: STATUSES } },
    delete: { summary: 'Delete a project', rules: { id: 'required|integer' } },
  } as const
}
