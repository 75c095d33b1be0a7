/**
 * How a worker answers a tcp event. rr's tcp plugin reads the response context as one of four
 * words (`handler/events.go`): WRITE (send the body, keep reading), WRITECLOSE (send the body, then
 * close), CONTINUE (send nothing, keep reading), CLOSE (close now). Anything else closes.
 * @module
 */
const encoder = new TextEncoder()
const EMPTY = new Uint8Array(0)

/** The action words, encoded once. */
export const TCP_ACTIONS = {
  write: encoder.encode('WRITE'),
  writeAndClose: encoder.encode('WRITECLOSE'),
  read: encoder.encode('CONTINUE'),
  close: encoder.encode('CLOSE'),
} as const

export type TcpAction = keyof typeof TCP_ACTIONS

/** A worker's answer to one tcp event. */
export interface TcpReply {
  readonly action: TcpAction
  readonly body: Uint8Array
}

const READ: TcpReply = Object.freeze({ action: 'read', body: EMPTY })
const CLOSE: TcpReply = Object.freeze({ action: 'close', body: EMPTY })

function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? encoder.encode(data) : data
}

/** Builds replies: `return TcpReply.write('OK\n')`. */
export const TcpReply = {
  /** Send `data` to the client and keep reading the connection. */
  write: (data: string | Uint8Array): TcpReply => ({ action: 'write', body: toBytes(data) }),
  /** Send `data` to the client, then close the connection. */
  writeAndClose: (data: string | Uint8Array): TcpReply => ({ action: 'writeAndClose', body: toBytes(data) }),
  /** Send nothing and keep reading (what a handler that returns nothing gets). */
  read: (): TcpReply => READ,
  /** Close the connection without sending anything. */
  close: (): TcpReply => CLOSE,
} as const
