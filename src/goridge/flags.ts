/**
 * Goridge v3 flag constants: byte 1 of the header (codec and frame type) and byte 10 (stream
 * control). Values are RoadRunner's (`goridge@v3.8.3: pkg/frame/frame_flags.go`).
 * @module
 */

/** Byte 1: control frame (PID handshake, stop command). */
export const FLAG_CONTROL = 0x01
/** Byte 1: payload is raw bytes. */
export const FLAG_CODEC_RAW = 0x04
/** Byte 1: payload is JSON. */
export const FLAG_CODEC_JSON = 0x08
/** Byte 1: payload is msgpack. */
export const FLAG_CODEC_MSGPACK = 0x10
/** Byte 1: payload is Go gob (the Go RPC client's default; never produced by pionia). */
export const FLAG_CODEC_GOB = 0x20
/** Byte 1: payload is an error message. */
export const FLAG_ERROR = 0x40
/** Byte 1: payload is protobuf. */
export const FLAG_CODEC_PROTO = 0x80

/** Byte 10, worker → rr: more frames of this response follow. */
export const STREAM_BIT_STREAM = 0x01
/** Byte 10, rr → worker: stop the current stream (the client went away). */
export const STREAM_BIT_STOP = 0x02
/** Byte 10, worker → rr: answer with a PONG. */
export const STREAM_BIT_PING = 0x04
/** Byte 10, rr → worker: answer to PING. */
export const STREAM_BIT_PONG = 0x08
