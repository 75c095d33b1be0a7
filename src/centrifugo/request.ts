/**
 * Turns a frame from rr's centrifuge plugin into a typed proxy request. The frame's context is the
 * JSON of the gRPC metadata Centrifugo sent (`{"key": ["value", …]}`) plus the key `type` that rr
 * appends; its body is the protobuf proxy request for that type.
 * @module
 */
import type { Payload } from '../worker/index.js'
import { CentrifugoFrameError } from './errors.js'
import type { ProxyEventMap, ProxyEventType } from './messages.js'
import { decodeMessage, proxyType } from './proto.js'

/** Proxy message names per event type (request; the response is the same with `Response`). */
export const MESSAGE_NAMES: Record<ProxyEventType, string> = {
  connect: 'Connect',
  refresh: 'Refresh',
  subscribe: 'Subscribe',
  publish: 'Publish',
  rpc: 'RPC',
  subrefresh: 'SubRefresh',
  notifychannelstate: 'NotifyChannelState',
}

/** gRPC metadata as rr passes it: lower-case keys, every value kept. */
export type Metadata = Record<string, string[]>

/** A decoded proxy frame: one member per event type. */
export type ProxyFrame = {
  [T in ProxyEventType]: { type: T; request: ProxyEventMap[T]['request']; metadata: Metadata }
}[ProxyEventType]

function isEventType(t: string): t is ProxyEventType {
  return Object.hasOwn(MESSAGE_NAMES, t)
}

/** Reads the metadata JSON and the event type from a frame context. */
export function decodeContext(context: Uint8Array): { type: ProxyEventType; metadata: Metadata } {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(context.buffer, context.byteOffset, context.byteLength).toString('utf8'))
  } catch {
    throw new CentrifugoFrameError(
      'the frame context is not JSON: this worker got a frame that rr\'s centrifuge plugin did not send. ' +
        'Run centrifugo handlers only under the `centrifuge` section of .rr.yaml (RR_MODE=centrifuge)',
    )
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CentrifugoFrameError('the frame context is not a JSON object of gRPC metadata; expected {"type": ["connect"], …}')
  }
  const metadata: Metadata = {}
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    metadata[k] = Array.isArray(v) ? v.map(String) : [String(v)]
  }
  // rr appends `type` to the metadata, so a forwarded header of the same name comes first.
  const type = metadata.type?.at(-1)
  if (!type) {
    throw new CentrifugoFrameError(
      'the frame context has no "type" key: this is not a centrifuge proxy frame (rr adds type=connect|refresh|subscribe|publish|rpc|subrefresh)',
    )
  }
  if (!isEventType(type)) {
    throw new CentrifugoFrameError(
      `unknown centrifuge event type "${type}"; this SDK knows ${Object.keys(MESSAGE_NAMES).join(', ')}. Upgrade pionia if rr added a new proxy call`,
    )
  }
  return { type, metadata }
}

/** Decodes a whole frame (context + protobuf body). Throws {@link CentrifugoFrameError} on bad input. */
export function decodeProxyFrame(payload: Pick<Payload, 'context' | 'body'>): ProxyFrame {
  const { type, metadata } = decodeContext(payload.context)
  let request: unknown
  try {
    request = decodeMessage(proxyType(MESSAGE_NAMES[type] + 'Request'), payload.body)
  } catch (err) {
    throw new CentrifugoFrameError(
      `the body of a ${type} frame is not a valid centrifugal.centrifugo.proxy.${MESSAGE_NAMES[type]}Request (${(err as Error).message})`,
      { cause: err },
    )
  }
  return { type, request, metadata } as ProxyFrame
}
