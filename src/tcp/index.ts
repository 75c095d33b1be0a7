/**
 * Workers for rr's `tcp` plugin: raw TCP servers declared in .rr.yaml (`tcp.servers`), each
 * connection's events (connected, data, close) handed to one handler that answers write,
 * write-and-close, keep reading, or close.
 * @module
 */
export { serveTcp, tcpPayloadHandler, type TcpHandler, type TcpOptions } from './serve.js'
export { TcpEvent, TcpProtocolError, type TcpEventType } from './event.js'
export { TcpReply, type TcpAction } from './reply.js'
