/**
 * The tcp worker: one handler for every connection event of rr's `tcp` plugin.
 * @module
 */
import { FLAG_CODEC_RAW } from '../goridge/index.js'
import { runWorker, type PayloadHandler, type RunOptions } from '../worker/run.js'
import { parseTcpEvent, type TcpEvent } from './event.js'
import { TCP_ACTIONS, TcpReply } from './reply.js'

/**
 * Answers one event. Return a {@link TcpReply}; a string or bytes means `TcpReply.write(...)`;
 * nothing means `TcpReply.read()` (keep reading). rr ignores the answer to a `close` event. A
 * handler that throws makes rr close that connection; the worker lives on.
 */
export type TcpHandler = (event: TcpEvent) => TcpReply | string | Uint8Array | void | Promise<TcpReply | string | Uint8Array | void>

export interface TcpOptions {
  /**
   * The delimiter of each server (`tcp.servers.<name>.delimiter` in .rr.yaml; rr does not send it),
   * used by `event.messages()`. One string for all servers, or a map by server name. Default "\r\n",
   * rr's own default.
   */
  delimiter?: string | Record<string, string>
}

const DEFAULT_DELIMITER = '\r\n'

function delimiterLookup(option: TcpOptions['delimiter']): (server: string) => string {
  if (option === undefined || typeof option === 'string') {
    const d = option || DEFAULT_DELIMITER
    return () => d
  }
  return (server) => option[server] || DEFAULT_DELIMITER
}

/** The payload handler behind {@link serveTcp}, for `serve({ modes: { tcp } })` or your own loop. */
export function tcpPayloadHandler(handler: TcpHandler, options: TcpOptions = {}): PayloadHandler {
  const delimiterFor = delimiterLookup(options.delimiter)
  return async (payload, worker) => {
    const result = await handler(parseTcpEvent(payload, delimiterFor))
    const reply =
      result === undefined ? TcpReply.read() : typeof result === 'string' || result instanceof Uint8Array ? TcpReply.write(result) : result
    await worker.respond({ context: TCP_ACTIONS[reply.action], body: reply.body, codec: FLAG_CODEC_RAW })
  }
}

/**
 * Serves rr's tcp plugin (RR_MODE=tcp) until rr stops the worker.
 * @example
 * import { serveTcp, TcpReply } from 'pionia/tcp'
 * await serveTcp((event) => {
 *   if (event.type !== 'data') return
 *   return event.messages().includes('QUIT') ? TcpReply.writeAndClose('bye\r\n') : TcpReply.write(event.body)
 * })
 */
export function serveTcp(handler: TcpHandler, options: TcpOptions & RunOptions = {}): Promise<void> {
  return runWorker(tcpPayloadHandler(handler, options), options)
}
