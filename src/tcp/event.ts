/**
 * What rr's tcp plugin sends a worker for each connection event: a JSON context naming the event,
 * the server (its key under `tcp.servers` in .rr.yaml), the connection's uuid and the client
 * address; for DATA, the bytes rr read as the body.
 * @module
 */
import type { Payload } from '../worker/messages.js'

/** The three events of a connection, in the order rr sends them. */
export type TcpEventType = 'connected' | 'data' | 'close'

const EVENT_TYPES: Record<string, TcpEventType> = { CONNECTED: 'connected', DATA: 'data', CLOSE: 'close' }

/** The context JSON rr's tcp plugin writes (`handler.ServerInfo`). */
interface ServerInfo {
  remote_addr?: unknown
  server?: unknown
  uuid?: unknown
  event?: unknown
}

const decoder = new TextDecoder()
const EMPTY = new Uint8Array(0)

/** One connection event. */
export class TcpEvent {
  /** `connected` (before any byte is read), `data`, or `close` (the connection is gone). */
  readonly type: TcpEventType
  /** The server's name: its key under `tcp.servers` in .rr.yaml. */
  readonly server: string
  /** The connection's id, the same for all its events (and what `tcp.Close` over RPC takes). */
  readonly uuid: string
  /** The client's `ip:port`. */
  readonly remoteAddr: string
  /**
   * The bytes rr read (DATA only; empty otherwise). rr reads until a read ends with the server's
   * delimiter and keeps the delimiter, so one event can hold several messages: see {@link messages}.
   */
  readonly body: Uint8Array
  readonly #delimiter: string

  constructor(type: TcpEventType, server: string, uuid: string, remoteAddr: string, body: Uint8Array, delimiter: string) {
    this.type = type
    this.server = server
    this.uuid = uuid
    this.remoteAddr = remoteAddr
    this.body = body
    this.#delimiter = delimiter
  }

  /** The body as UTF-8 text, delimiter included. */
  text(): string {
    return decoder.decode(this.body)
  }

  /** The messages in the body: split on the delimiter, without it; the empty tail after the last delimiter is dropped. */
  messages(): string[] {
    const parts = this.text().split(this.#delimiter)
    if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop()
    return parts
  }
}

/** A payload rr's tcp plugin did not produce (or a newer plugin with another context). */
export class TcpProtocolError extends Error {
  override readonly name = 'TcpProtocolError'
}

/** Reads one rr tcp payload. `delimiter` is the server's `delimiter` from .rr.yaml (rr does not send it). */
export function parseTcpEvent(payload: Payload, delimiterFor: (server: string) => string): TcpEvent {
  let info: ServerInfo
  try {
    info = JSON.parse(decoder.decode(payload.context)) as ServerInfo
  } catch {
    throw new TcpProtocolError('the payload context is not the JSON rr\'s tcp plugin sends: is this worker started for RR_MODE=tcp?')
  }
  const type = typeof info.event === 'string' ? EVENT_TYPES[info.event] : undefined
  if (!type) throw new TcpProtocolError(`unknown tcp event ${JSON.stringify(info.event)}: expected CONNECTED, DATA or CLOSE`)
  const server = typeof info.server === 'string' ? info.server : ''
  return new TcpEvent(
    type,
    server,
    typeof info.uuid === 'string' ? info.uuid : '',
    typeof info.remote_addr === 'string' ? info.remote_addr : '',
    type === 'data' ? payload.body : EMPTY,
    delimiterFor(server),
  )
}
