/**
 * The last stage: an answer (envelope JSON or a page) → WHATWG Response. When deferred work is
 * pending, the body is a one-chunk stream whose end triggers the flush: the server (rr adapter or
 * node:http) has taken every byte by then, so the work runs after the response, never before it.
 * @module
 */
import type { Envelope } from '../core/envelope.js'
import { isNullBodyStatus } from '../../http/status.js'

/** Content-Type of every envelope. */
export const JSON_TYPE = 'application/json; charset=UTF-8'

/** A response before it becomes a WHATWG Response. */
export interface Answer {
  text: string
  status: number
  headers: Readonly<Record<string, string>>
}

/** A body that calls `onDrained` once a consumer has read it to the end. */
export function bodyWithAfterHook(bytes: Uint8Array, onDrained: () => void): ReadableStream<Uint8Array> {
  let sent = false
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (!sent) {
          sent = true
          controller.enqueue(bytes)
          return
        }
        controller.close()
        // Two turns: the adapter writes the bytes it just read before the hook's work starts.
        setImmediate(() => setImmediate(onDrained))
      },
      cancel() {
        setImmediate(onDrained)
      },
    },
    { highWaterMark: 0 },
  )
}

const encoder = new TextEncoder()

/** Builds the Response for a body string. */
export function makeResponse(
  text: string,
  status: number,
  headers: Readonly<Record<string, string>>,
  afterResponse?: () => void,
): Response {
  if (isNullBodyStatus(status)) {
    if (afterResponse) setImmediate(afterResponse)
    return new Response(null, { status, headers })
  }
  if (!afterResponse) return new Response(text, { status, headers })
  const bytes = encoder.encode(text)
  return new Response(bodyWithAfterHook(bytes, afterResponse), {
    status,
    headers: { ...headers, 'Content-Length': String(bytes.byteLength) },
  })
}

/**
 * JSON text of an envelope. Every envelope reaching this stage already has exactly the four keys
 * (`response()`, the invocation stage and the exception pipeline build them so): no second pass.
 */
export function envelopeJson(envelope: Envelope): string {
  return JSON.stringify(envelope)
}
