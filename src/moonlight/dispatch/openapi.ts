/**
 * The OpenAPI 3.1 document of an app: every switch → service → action as one operation, with the
 * request schema from its rules, its auth requirements, the envelope and the error codes it can
 * answer with. Built from the catalog (catalog.ts), so both always show the same actions.
 *
 * Moonlight calls all go to `POST <API_BASE><version>/` with `{service, action}` in the body. OpenAPI
 * keys operations by path, so each action's path carries a fragment, `/api/v1/#task.create`: URL
 * fragments are never sent, so a generated client posts to `/api/v1/` as Moonlight expects.
 * @module
 */
import { catalogOf } from './catalog.js'
import type { SwitchMap } from './registry.js'
import type { AuthRule } from './meta.js'
import type { RuleMap } from '../validation/rules.js'
import { rulesSchema, type JsonSchema } from '../validation/schema.js'

/** The returnCodes an app answers failures with (`[server] …_CODE`). */
export interface ErrorCodes {
  unauthenticated: number
  unauthorized: number
  notFound: number
  validation: number
  serverError: number
  maintenance: number
}

/** What the document is built from. */
export interface OpenApiInput {
  title: string
  version: string
  apiBase: string
  switches: [string, SwitchMap][]
  codes: ErrorCodes
  /** Server URLs (default: none, i.e. relative to where the document was fetched). */
  servers?: string[]
}

interface CatalogAction {
  name: string
  auth: AuthRule
  rules: RuleMap | null
  summary: string | null
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const schemaName = (...parts: string[]) => parts.map((p) => p.replace(/[^A-Za-z0-9_]/g, '_')).join('.')

function envelopeSchema(data: JsonSchema): JsonSchema {
  return {
    type: 'object',
    required: ['returnCode', 'returnMessage', 'returnData', 'extraData'],
    properties: {
      returnCode: { type: 'integer', description: '0 on success; otherwise the failure code (401, 403, 404, 422, 500, …)' },
      returnMessage: { type: ['string', 'null'] },
      returnData: data,
      extraData: {},
    },
  }
}

function errorResponse(code: number, description: string): JsonSchema {
  return { description: `returnCode ${code}: ${description}`, content: { 'application/json': { schema: ref('ErrorEnvelope') } } }
}

/** The document (a plain JSON-serialisable object). */
export function openapiOf(input: OpenApiInput): Record<string, unknown> {
  const { codes } = input
  const paths: Record<string, unknown> = {}
  const schemas: Record<string, JsonSchema> = {
    Envelope: envelopeSchema({ description: 'The action\'s data (any JSON value, or null)' }),
    ErrorEnvelope: { ...envelopeSchema({ type: 'null' }), description: 'A failed call: returnCode and returnMessage say what went wrong; debug adds {exception, file, line, trace} to returnData' },
  }
  // A failure status is the returnCode itself for 4xx/5xx (unless [server] HTTP_STATUS = classic, where everything is 200).
  const status = (c: number) => (c >= 400 && c <= 599 ? c : 200)
  for (const [version, services] of input.switches) {
    const base = `${input.apiBase}${version}/`
    paths[`${base}ping`] = {
      get: {
        operationId: `${version}_ping`,
        tags: ['moonlight'],
        summary: `Health check of switch ${version}`,
        responses: { '200': { description: 'returnMessage "pong"', content: { 'application/json': { schema: ref('Envelope') } } } },
      },
    }
    const catalog = catalogOf(services, version) as { services: Record<string, { description: string | null; actions: CatalogAction[] }> }
    for (const [service, entry] of Object.entries(catalog.services)) {
      for (const action of entry.actions) {
        const { properties, required } = rulesSchema(action.rules ?? undefined)
        const name = schemaName(version, service, action.name)
        schemas[`${name}.request`] = {
          type: 'object',
          required: ['service', 'action', ...required],
          properties: { service: { const: service }, action: { const: action.name }, ...properties },
        }
        const auth = action.auth
        const guarded = !!(auth.authenticated || auth.can?.length || auth.canAny?.length)
        const needs = [
          auth.authenticated ? 'an authenticated user' : '',
          auth.can?.length ? `every permission of ${auth.can.join(', ')}` : '',
          auth.canAny?.length ? `one permission of ${auth.canAny.join(', ')}` : '',
        ].filter(Boolean)
        const responses: Record<string, unknown> = {
          '200': { description: 'returnCode 0 (or 202 for a queued job): the action ran', content: { 'application/json': { schema: ref('Envelope') } } },
        }
        const errors: [number, string][] = []
        if (guarded) errors.push([codes.unauthenticated, 'no or an invalid bearer token'])
        if (auth.can?.length || auth.canAny?.length) errors.push([codes.unauthorized, 'the user lacks a required permission'])
        errors.push([codes.notFound, 'the service, action or a record it names does not exist'])
        if (action.rules) errors.push([codes.validation, 'the data fails a rule; returnMessage names the field'])
        errors.push([codes.serverError, 'an unexpected error (details only in debug)'], [codes.maintenance, 'maintenance mode'])
        for (const [code, text] of errors) if (status(code) !== 200) responses[String(status(code))] ??= errorResponse(code, text)
        paths[`${base}#${service}.${action.name}`] = {
          post: {
            operationId: `${version}_${service}_${action.name}`,
            tags: [service],
            summary: action.summary ?? `${service}.${action.name}`,
            description: `Moonlight call {"service": "${service}", "action": "${action.name}"} on switch ${version}: POST ${base}.` +
              (needs.length ? ` Requires ${needs.join(' and ')}.` : ' Public.'),
            ...(guarded ? { security: [{ bearerAuth: [] }] } : {}),
            requestBody: { required: true, content: { 'application/json': { schema: ref(`${name}.request`) } } },
            responses,
            'x-moonlight': { switch: version, service, action: action.name, auth, rules: action.rules },
          },
        }
      }
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: input.title,
      version: input.version,
      description: 'Every action answers with the Moonlight envelope {returnCode, returnMessage, returnData, extraData}. ' +
        'Paths end in #service.action to keep one operation per action; the fragment is never sent, every call is POST to the switch root.',
    },
    ...(input.servers?.length ? { servers: input.servers.map((url) => ({ url })) } : {}),
    tags: input.switches.flatMap(([, services]) => Object.entries(services).map(([name, cls]) => ({ name, description: cls.description ?? name })))
      .filter((t, i, all) => all.findIndex((o) => o.name === t.name) === i),
    paths,
    components: {
      schemas,
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  }
}
