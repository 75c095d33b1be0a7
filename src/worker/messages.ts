/**
 * Every frame rr sends a worker, as one discriminated union, and the one function that sorts
 * frames into it. The worker loop switches on `type` instead of testing flag bits everywhere.
 * @module
 */
import { FLAG_CONTROL, STREAM_BIT_PONG, STREAM_BIT_STOP, type Frame } from '../goridge/index.js'

/** A request for the worker: context and body split at option[0]. */
export interface Payload {
  /** The context bytes (HTTP: protobuf `http.v1.Request`; jobs: JSON job context). */
  context: Buffer
  /** The body bytes. */
  body: Buffer
  /** Byte 1 of the frame: the codec rr used (HTTP 0x80, jobs 0x04, centrifuge 0x80). */
  codec: number
}

export type IncomingMessage =
  | { type: 'pid' }
  | { type: 'stop' }
  | { type: 'stream-stop' }
  | { type: 'pong' }
  | { type: 'payload'; payload: Payload }
  | { type: 'invalid'; reason: string }

const EMPTY = Buffer.alloc(0)

/** Sorts a frame from rr into a message. Control frames are checked first, then stream bits. */
export function classify(frame: Frame): IncomingMessage {
  if (frame.flags & FLAG_CONTROL) {
    let json: unknown
    try {
      json = JSON.parse(frame.payload.toString('utf8'))
    } catch {
      return { type: 'invalid', reason: `control frame with a payload that is not JSON: ${JSON.stringify(frame.payload.toString('latin1').slice(0, 80))}` }
    }
    if (json && typeof json === 'object') {
      const o = json as Record<string, unknown>
      if (o.stop) return { type: 'stop' }
      if (o.pid) return { type: 'pid' }
    }
    return { type: 'invalid', reason: `undefined control package: ${frame.payload.toString('utf8').slice(0, 80)}` }
  }
  if (frame.byte10 & STREAM_BIT_STOP) return { type: 'stream-stop' }
  if (frame.byte10 & STREAM_BIT_PONG) return { type: 'pong' }
  const payload = requestPayload(frame)
  if (!payload) {
    const split = frame.options[0] ?? 0
    return { type: 'invalid', reason: `request frame with ${frame.options.length} options (context length ${split}, payload ${frame.payload.length} bytes); rr sends exactly one option` }
  }
  return { type: 'payload', payload }
}

/**
 * Context and body of a request frame (exactly one option: the context length, within the
 * payload), or undefined. Only meaningful for frames that are not control or stream-bit frames.
 */
export function requestPayload(frame: Frame): Payload | undefined {
  const p = frame.payload
  const split = frame.options[0] ?? 0
  if (frame.options.length !== 1 || split > p.length) return undefined
  return {
    context: split === 0 ? EMPTY : p.subarray(0, split),
    body: split === p.length ? EMPTY : p.subarray(split),
    codec: frame.flags,
  }
}
