/**
 * Relays move goridge frames between rr and a worker: pipes, tcp, unix, and an in-memory pair.
 * @module
 */
export { StreamRelay, type Relay, type RelayHandlers, type StreamRelayOptions } from './relay.js'
export { createPipeRelay, originalStdoutWrite } from './pipe-relay.js'
export { createSocketRelay, connectSocket, parseSocketAddress, SocketConnectError, type SocketAddress, type ConnectOptions } from './socket-relay.js'
export { createMemoryRelayPair } from './memory-relay.js'
export { createRelay } from './create-relay.js'
