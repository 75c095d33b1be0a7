/**
 * Typed goridge protocol errors. Each carries a stable `code` (listed in the README) and, where it
 * helps, a hex dump of the offending bytes.
 * @module
 */

/** Stable error codes of the goridge layer. */
export type GoridgeErrorCode =
  | 'RR_ERR_BAD_CRC'
  | 'RR_ERR_BAD_HEADER_LENGTH'
  | 'RR_ERR_BAD_VERSION'
  | 'RR_ERR_TOO_MANY_OPTIONS'
  | 'RR_ERR_PAYLOAD_TOO_LARGE'
  | 'RR_ERR_BAD_OPTION'

/** An error in goridge framing: the byte stream is not (or no longer) a valid frame sequence. */
export class GoridgeError extends Error {
  override readonly name = 'GoridgeError'
  /** Stable machine-readable code. */
  readonly code: GoridgeErrorCode
  /** The header bytes that caused the error, when there are any. */
  readonly bytes: Uint8Array | undefined

  constructor(code: GoridgeErrorCode, message: string, bytes?: Uint8Array) {
    super(message)
    this.code = code
    this.bytes = bytes
  }
}

/** Formats bytes as `13 09 0c 00 …` for error messages. */
export function hexDump(bytes: Uint8Array, max = 64): string {
  const parts: string[] = []
  const n = Math.min(bytes.length, max)
  for (let i = 0; i < n; i++) parts.push(bytes[i]!.toString(16).padStart(2, '0'))
  return parts.join(' ') + (bytes.length > max ? ` … (${bytes.length} bytes)` : '')
}

/**
 * When bytes that should be a frame header are printable text, something wrote plain output into
 * the protocol stream: say so and show it, because that is nearly always the cause.
 */
export function describeStrayText(bytes: Uint8Array): string {
  let printable = 0
  for (const b of bytes) if ((b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09) printable++
  if (bytes.length === 0 || printable < bytes.length * 0.9) return ''
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
  return ` The bytes read as text: ${JSON.stringify(text)}: something printed plain output into the protocol stream.`
}
