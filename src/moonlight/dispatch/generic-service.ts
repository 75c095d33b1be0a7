/**
 * GenericService: CRUD actions over one table from a few static fields (Pionia's generic services).
 * Column names come only from the class (checked as plain identifiers), never from the request;
 * values always travel as bound parameters.
 * @module
 */
import { Service } from './service.js'
import { response } from '../core/envelope.js'
import { NotFoundError, ValidationError } from '../core/errors.js'
import type { RequestData } from '../core/data.js'
import { pageInfo, readPage } from './pagination.js'
import type { Connection } from '../db/connection.js'

type Row = Record<string, unknown>

/** Static configuration a GenericService subclass sets. */
export interface GenericServiceClass {
  table: string
  pkField: string
  /** Columns `create` takes; a `?` suffix marks an optional one (`client?`). */
  createColumns: string[]
  /** Columns `update` may change (all optional). */
  updateColumns: string[]
  listColumns: string[]
  /** Default page size. */
  limit: number
  /** Connection name (default `default`). */
  connection?: string
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/

function ident(name: string, where: string): string {
  if (!IDENT.test(name)) throw new Error(`${where}: "${name}" is not a plain column or table name (letters, digits, _)`)
  return name
}

/**
 * Extend it, set `table` and the column lists; `list`, `retrieve`, `create`, `update`, `delete` and
 * `random` exist at once. Hooks (`preCreate`, `postCreate`, `preUpdate`, `postUpdate`, `preDelete`,
 * `postDelete`) adjust rows around the writes.
 * @example
 * import { GenericService } from 'pionia/moonlight'
 * export class ProjectService extends GenericService {
 *   static override table = 'projects'
 *   static override createColumns = ['name', 'client?', 'status?']
 *   static override updateColumns = ['name', 'client', 'status']
 * }
 */
export abstract class GenericService extends Service {
  static table = ''
  static pkField = 'id'
  static createColumns: string[] = []
  static updateColumns: string[] = []
  static listColumns: string[] = ['*']
  static limit = 10
  static connection?: string

  #config(): GenericServiceClass {
    const c = this.constructor as unknown as GenericServiceClass
    if (!c.table) throw new Error(`${this.constructor.name}: set static table = '<table name>'`)
    ident(c.table, `${this.constructor.name}.table`)
    ident(c.pkField, `${this.constructor.name}.pkField`)
    return c
  }

  #conn(): Promise<Connection> {
    return this.db(this.#config().connection)
  }

  #columns(): string {
    const c = this.#config()
    return c.listColumns.map((col) => (col === '*' ? '*' : ident(col, `${this.constructor.name}.listColumns`))).join(', ')
  }

  /** Rows before insert; return the row to insert. */
  protected preCreate(row: Row): Row | Promise<Row> {
    return row
  }
  protected postCreate(row: Row): Row | Promise<Row> {
    return row
  }
  protected preUpdate(changes: Row, _current: Row): Row | Promise<Row> {
    return changes
  }
  protected postUpdate(row: Row): Row | Promise<Row> {
    return row
  }
  protected preDelete(_row: Row): void | Promise<void> {}
  protected postDelete(_row: Row): void | Promise<void> {}

  /** The row with this primary key, or a 404. */
  protected async findOrFail(id: unknown): Promise<Row> {
    const { table, pkField } = this.#config()
    const row = await (await this.#conn()).get<Row>(`SELECT ${this.#columns()} FROM ${table} WHERE ${pkField} = ?`, [id])
    if (!row) throw new NotFoundError(`${this.request.service} ${String(id)} not found`)
    return row
  }

  #pk(data: RequestData): unknown {
    const { pkField } = this.#config()
    return data.getOrThrow(pkField)
  }

  async listAction(data: RequestData) {
    const { table, pkField, limit } = this.#config()
    const page = readPage(data, limit)
    const conn = await this.#conn()
    const results = await conn.all(`SELECT ${this.#columns()} FROM ${table} ORDER BY ${pkField} LIMIT ? OFFSET ?`, [page.limit, page.offset])
    const total = await conn.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${table}`)
    return response(0, 'OK', { results, ...pageInfo(page, results.length, Number(total?.n ?? 0)) })
  }

  async retrieveAction(data: RequestData) {
    return response(0, 'OK', await this.findOrFail(this.#pk(data)))
  }

  async createAction(data: RequestData) {
    const { table, createColumns } = this.#config()
    let row: Row = {}
    for (const spec of createColumns) {
      const optional = spec.endsWith('?')
      const col = ident(optional ? spec.slice(0, -1) : spec, `${this.constructor.name}.createColumns`)
      const v = data.get(col)
      if (v === undefined || v === '') {
        if (!optional) throw new ValidationError(`${col} is required`, col)
        continue
      }
      row[col] = v
    }
    row = await this.preCreate(row)
    const cols = Object.keys(row).map((c) => ident(c, 'preCreate'))
    const sql = cols.length
      ? `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) RETURNING *`
      : `INSERT INTO ${table} DEFAULT VALUES RETURNING *`
    const created = (await (await this.#conn()).get<Row>(sql, cols.map((c) => row[c])))!
    return response(0, 'Created', await this.postCreate(created))
  }

  async updateAction(data: RequestData) {
    const { table, pkField, updateColumns } = this.#config()
    const id = this.#pk(data)
    const current = await this.findOrFail(id)
    let changes: Row = {}
    for (const spec of updateColumns) {
      const col = ident(spec.replace(/\?$/, ''), `${this.constructor.name}.updateColumns`)
      if (data.has(col)) changes[col] = data.get(col) ?? null
    }
    changes = await this.preUpdate(changes, current)
    const cols = Object.keys(changes).map((c) => ident(c, 'preUpdate'))
    if (!cols.length) throw new ValidationError(`Nothing to update: send one of ${updateColumns.map((c) => c.replace(/\?$/, '')).join(', ')}`)
    const updated = (await (await this.#conn()).get<Row>(
      `UPDATE ${table} SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE ${pkField} = ? RETURNING *`,
      [...cols.map((c) => changes[c]), id],
    ))!
    return response(0, 'Updated', await this.postUpdate(updated))
  }

  async deleteAction(data: RequestData) {
    const { table, pkField } = this.#config()
    const id = this.#pk(data)
    const row = await this.findOrFail(id)
    await this.preDelete(row)
    await (await this.#conn()).run(`DELETE FROM ${table} WHERE ${pkField} = ?`, [id])
    await this.postDelete(row)
    return response(0, 'Deleted', row)
  }

  async randomAction(data: RequestData) {
    const { table } = this.#config()
    const size = data.getInt('size') ?? data.getInt('limit') ?? 1
    if (size < 1 || size > 100) throw new ValidationError('size must be between 1 and 100', 'size')
    const rows = await (await this.#conn()).all(`SELECT ${this.#columns()} FROM ${table} ORDER BY RANDOM() LIMIT ?`, [size])
    return response(0, 'OK', size === 1 ? (rows[0] ?? null) : rows)
  }
}
