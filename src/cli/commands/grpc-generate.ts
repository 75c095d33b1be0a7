/**
 * `pionia grpc:generate`: writes TypeScript types for the gRPC services of the .proto files that
 * `.rr.yaml` grpc.proto lists (or the files named on the command line), so serveGrpc() handlers
 * are type-checked against the same schema rr and the worker load.
 * @module
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'
import { CliError, defineCommand } from '../command.js'
import { str } from '../util/args.js'
import { readGrpcConfig, resolveProtos } from '../../grpc/config.js'
import { loadSchema } from '../../grpc/schema.js'
import { generateTypes } from '../../grpc/generate.js'
import { GrpcSetupError } from '../../grpc/status.js'

export default defineCommand({
  name: 'grpc:generate',
  summary: 'Write TypeScript types for the gRPC services of the .proto files (serveGrpc handlers)',
  usage: `Usage: npx pionia grpc:generate [file.proto ...] [options]

Reads the .proto files that .rr.yaml grpc.proto lists (or the files given) with protobufjs, the way
serveGrpc() does, and writes one TypeScript file: per message an interface as a handler receives it
(Foo: int64 as string, enums as names, every field present) and one as a handler may return it
(FooInit: every field optional), per service a handler map (FooServiceHandlers) and a descriptor
const (FooService), and GrpcServiceHandlers for all of them:

  import type { GrpcServiceHandlers } from './grpc.generated.js'
  const handlers: GrpcServiceHandlers = { 'pkg.FooService': { GetFoo: async (req, ctx) => ({ ... }) } }
  await serveGrpc(handlers)

Options:
  --out=<file>          where to write it (default grpc.generated.ts)
  --config=<file>       the rr config to read grpc.proto from (default .rr.yaml)
  --import-from=<mod>   the module GrpcContext is imported from (default pionia/grpc)
  --check               write nothing; exit 1 when the file is missing or out of date (for CI)
`,
  options: {
    out: { type: 'string' },
    config: { type: 'string' },
    'import-from': { type: 'string' },
    check: { type: 'boolean' },
  },
  async run(args, ctx) {
    const out = resolve(ctx.cwd, str(args.values.out) ?? 'grpc.generated.ts')
    const given = args.positionals.filter((p) => p !== '')
    let protos: string[]
    try {
      protos = given.length
        ? resolveProtos(given, ctx.cwd, 'the command line')
        : readGrpcConfig(str(args.values.config), ctx.cwd).protos
    } catch (err) {
      if (!(err instanceof GrpcSetupError)) throw err
      throw new CliError('RR_ERR_GRPC_GENERATE', `${err.message}\nOr name the files: npx pionia grpc:generate path/to/service.proto`)
    }
    const rel = (p: string) => relative(ctx.cwd, p) || p
    let source: string
    let count = 0
    try {
      const schema = loadSchema(protos, { comments: true })
      if (schema.services.size === 0) {
        throw new CliError('RR_ERR_GRPC_GENERATE', `${protos.map(rel).join(', ')} define no service: add a service block (rr serves services only)`)
      }
      count = schema.services.size
      source = generateTypes(schema, { importFrom: str(args.values['import-from']), sources: protos.map(rel) })
    } catch (err) {
      if (err instanceof GrpcSetupError) throw new CliError('RR_ERR_GRPC_GENERATE', err.message)
      throw err
    }
    if (args.values.check) {
      const current = existsSync(out) ? readFileSync(out, 'utf8') : undefined
      if (current === source) {
        ctx.stdout.write(`${rel(out)} is up to date with ${protos.map(rel).join(', ')}.\n`)
        return 0
      }
      ctx.stderr.write(`${rel(out)} is ${current === undefined ? 'missing' : 'out of date'}: run npx pionia grpc:generate without --check (same arguments) and commit it.\n`)
      return 1
    }
    mkdirSync(dirname(out), { recursive: true })
    writeFileSync(out, source)
    ctx.stdout.write(`Wrote ${rel(out)}: ${count} service${count === 1 ? '' : 's'} from ${protos.map(rel).join(', ')}.\n`)
    return 0
  },
})
