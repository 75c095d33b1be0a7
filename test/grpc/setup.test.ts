/** serveGrpc()'s startup check: handlers against the .proto files, before rr sends any call. */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createGrpcHandler, GrpcError, GrpcSetupError, Status } from '../../src/grpc/index.js'
import { PROTO_DIR } from './client.js'

const protos = [join(PROTO_DIR, 'echo.proto')]
const ok = () => ({})
const all = { Echo: ok, Fail: ok, Slow: ok, Boom: ok }

describe('createGrpcHandler startup check', () => {
  it('accepts handlers that cover every method', () => {
    expect(typeof createGrpcHandler({ 'test.v1.EchoService': all }, { protos })).toBe('function')
  })

  it('names a missing method and how to add it', () => {
    const { Boom: _, ...rest } = all
    expect(() => createGrpcHandler({ 'test.v1.EchoService': rest }, { protos })).toThrow(/test\.v1\.EchoService\.Boom has no handler: add Boom: async \(request, ctx\)/)
  })

  it('names a method the .proto does not have, with a suggestion', () => {
    expect(() => createGrpcHandler({ 'test.v1.EchoService': { ...all, echo: ok } }, { protos })).toThrow(/test\.v1\.EchoService has no method "echo" .*Did you mean "Echo"\?/)
  })

  it('names an unknown service and a service left without handlers', () => {
    const err = (() => {
      try {
        createGrpcHandler({ 'test.v1.EchoServce': all }, { protos })
      } catch (e) {
        return e as Error
      }
    })()
    expect(err).toBeInstanceOf(GrpcSetupError)
    expect(err!.message).toMatch(/handlers for "test\.v1\.EchoServce", which no file in serveGrpc\(\{ protos \}\) defines \(services there: test\.v1\.EchoService\)/)
    expect(err!.message).toMatch(/defines test\.v1\.EchoService, but serveGrpc\(\) has no handlers for it/)
  })

  it('a missing .proto file is a setup error naming the path', () => {
    expect(() => createGrpcHandler({}, { protos: ['nope/missing.proto'] })).toThrow(/proto file "nope\/missing\.proto" listed in serveGrpc\(\{ protos \}\) does not exist/)
  })

  it('GrpcError refuses a code that is not a gRPC status', () => {
    expect(() => new GrpcError(0 as never, 'ok is not an error')).toThrow(/code must be a gRPC status from 1 to 16/)
    expect(new GrpcError(Status.NOT_FOUND, 'x').code).toBe(5)
  })
})
