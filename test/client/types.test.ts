/**
 * The typed client's types, checked by the compiler (`npm run typecheck` compiles this file; the
 * expectTypeOf lines fail the typecheck when a type drifts) and by tsc on fixtures that must NOT
 * compile (a wrong action, service or field), asserting the compiler's own error.
 */
import { describe, expect, expectTypeOf, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createClient, MoonlightError, type ActionData, type DataOf } from '../../src/client/index.js'
import type { DeskflowApp } from '../../app/app.js'
import { createApp, response, Service } from '../../src/moonlight/index.js'

class NoteService extends Service {
  static override actions = {
    add: { rules: { text: 'required|string|min:3', tags: 'array', pinned: 'boolean|nullable', level: 'sometimes|required|in:low,high' } },
  } as const
  async addAction() {
    return response(0, 'Added', { id: 1, text: 'x' })
  }
  async untypedAction() {
    return response(0, 'OK')
  }
}
class NoteServiceV2 extends NoteService {
  async archiveAction() {
    return response(0, 'Archived', { archived: true as const })
  }
}
const notes = createApp({ switches: { v1: { note: NoteService }, v2: { note: NoteServiceV2 } } })

describe('rule strings → TypeScript types', () => {
  it('maps required/optional fields and value types', () => {
    type D = DataOf<{ title: 'required|string|min:3'; n: 'integer'; s: 'in:open,done'; e: 'nullable|email'; loose: string; b: ['required', 'boolean'] }>
    expectTypeOf<D>().toEqualTypeOf<{ title: string; b: boolean; n?: number; s?: 'open' | 'done'; e?: string | null; loose?: unknown }>()
  })

  it('types DeskFlow task.create from its static rules and its returnData from its response()', () => {
    type Create = ActionData<DeskflowApp['~switches']['v1']['task'], 'create'>
    expectTypeOf<Create>().toEqualTypeOf<{ title: string; status?: 'open' | 'done' | 'archived'; project_id?: number }>()
    const api = createClient<DeskflowApp>('http://127.0.0.1:1')
    expectTypeOf(api.task.create).parameter(0).toEqualTypeOf<Create>()
    expectTypeOf(api.task.create).returns.resolves.toHaveProperty('task')
    expectTypeOf(api.member.login).parameter(0).toEqualTypeOf<{ email: string; password: string }>()
    expectTypeOf(api.mail.sendWelcome).parameter(0).toEqualTypeOf<Record<string, unknown> | undefined>()
    expectTypeOf(api.$version).toEqualTypeOf<'v1'>()
  })

  it('follows switches, and leaves undeclared results unknown', () => {
    const api = createClient<typeof notes>('')
    expectTypeOf(api.note.add).returns.resolves.toEqualTypeOf<{ id: number; text: string }>()
    expectTypeOf(api.note.untyped).returns.resolves.toEqualTypeOf<unknown>()
    expectTypeOf(api.note.add).parameter(0).toEqualTypeOf<{ text: string; level: 'low' | 'high'; tags?: unknown[]; pinned?: boolean | null }>()
    const v2 = api.$switch('v2')
    expectTypeOf(v2.note.archive).returns.resolves.toEqualTypeOf<{ archived: true }>()
    expectTypeOf(v2.$version).toEqualTypeOf<'v2'>()
    expectTypeOf<MoonlightError['returnCode']>().toEqualTypeOf<number>()
    expectTypeOf<MoonlightError['extraData']>().toEqualTypeOf<unknown>()
  })
})

describe('calls that must not compile', () => {
  it('tsc rejects a wrong action, a wrong service, a wrong field type and a missing required field', () => {
    const project = fileURLToPath(new URL('./fixtures/tsconfig.json', import.meta.url))
    const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url))
    let out = ''
    try {
      execFileSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8', stdio: 'pipe' })
    } catch (err) {
      out = String((err as { stdout?: string }).stdout)
    }
    const errors = out.split('\n').filter((l) => l.includes('error TS'))
    // One error per wrong line, on the lines the fixture marks, and nothing else.
    const at = (line: number, re: RegExp) => expect(errors.filter((l) => l.includes(`wrong-calls.ts(${line},`) && re.test(l))).toHaveLength(1)
    at(7, /error TS2551: Property 'creat' does not exist on type 'ServiceClient<typeof TaskService>'\. Did you mean 'create'\?/)
    at(8, /error TS2551: Property 'tasks' does not exist on type 'Client<DeskflowApp, "v1">'\. Did you mean 'task'\?/)
    at(9, /error TS2322: Type 'string' is not assignable to type 'number'/)
    at(10, /error TS2561: Object literal may only specify known properties, but 'titel' does not exist/)
    at(11, /error TS2345: Argument of type '\{ status: "open"; \}' is not assignable/)
    // tsc prints a union's members in the order it first met them in the whole program, which any
    // unrelated change can shift: the same three statuses and undefined, in any order.
    at(12, /error TS2322: Type '"later"' is not assignable to type '(?=[^']*"done")(?=[^']*"open")(?=[^']*"archived")(?:"(?:done|open|archived)" \| ){3}undefined'/)
    expect(errors).toHaveLength(6)
  }, 120_000)
})
