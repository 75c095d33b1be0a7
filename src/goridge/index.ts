/**
 * The goridge v3 frame codec: constants, CRC, encoder, incremental decoder, typed errors. No I/O.
 * @module
 */
export * from './flags.js'
export { crc32 } from './crc32.js'
export { GoridgeError, hexDump, type GoridgeErrorCode } from './errors.js'
export {
  VERSION,
  HEADER_SIZE,
  MAX_OPTIONS,
  MAX_PAYLOAD_LENGTH,
  encodeFrame,
  encodeHeader,
  writeHeader,
  writeHeader1,
  readHeader,
  readOptions,
  decodeFrame,
  type Frame,
  type FrameInit,
  type FrameHeader,
} from './frame.js'
export { FrameDecoder, DEFAULT_MAX_PAYLOAD, type FrameDecoderOptions } from './decoder.js'
