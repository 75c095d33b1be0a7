/**
 * DeskFlow's seed rows (the tutorial's team, projects and tasks). Members get scrypt hashes of the
 * password `secret`, the one the tutorial's login payload uses.
 */
import type { Connection } from '../../src/moonlight/index.js'
import { hashPassword } from '../passwords.js'

export const SEED_PASSWORD = 'secret'

export const MEMBERS = [
  { name: 'Alex Chen', email: 'alex@northwind.studio', role: 'developer' },
  { name: 'Jamie Rivera', email: 'jamie@northwind.studio', role: 'designer' },
]

export const PROJECTS = [
  { name: 'Northwind website redesign', client: 'Northwind Studio' },
  { name: 'Client onboarding portal', client: 'Contoso Ltd' },
]

export const TASKS = [
  { title: 'Review homepage mockups', status: 'open', assignee: 'alex@northwind.studio', project_id: 1 },
  { title: 'Prepare sprint retro notes', status: 'done', assignee: 'alex@northwind.studio', project_id: null },
  { title: 'Update client project brief', status: 'open', assignee: 'jamie@northwind.studio', project_id: 2 },
]

/** Inserts the seed rows (call only on empty tables). */
export async function seed(conn: Connection): Promise<void> {
  for (const m of MEMBERS) {
    await conn.run('INSERT INTO team_members (name, email, password_hash, role) VALUES (?, ?, ?, ?)', [
      m.name, m.email, await hashPassword(SEED_PASSWORD), m.role,
    ])
  }
  for (const p of PROJECTS) await conn.run('INSERT INTO projects (name, client) VALUES (?, ?)', [p.name, p.client])
  for (const t of TASKS) {
    await conn.run('INSERT INTO tasks (title, status, assignee, project_id) VALUES (?, ?, ?, ?)', [t.title, t.status, t.assignee, t.project_id])
  }
}
