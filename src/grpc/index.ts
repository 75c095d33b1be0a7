/**
 * gRPC workers for rr's grpc plugin: handlers per service/method of the .proto files in .rr.yaml,
 * protobufjs messages, metadata in and out, status errors with details.
 * @module
 */
export { serveGrpc, createGrpcHandler, type GrpcHandler, type GrpcServices, type GrpcOptions } from './server.js'
export { type GrpcContext } from './context.js'
export { GrpcError, GrpcSetupError, Status, type StatusCode, type GrpcErrorDetail } from './status.js'
export { readGrpcConfig, type GrpcConfig } from './config.js'
export { loadSchema, type Schema, type ServiceSchema, type MethodSchema } from './schema.js'
