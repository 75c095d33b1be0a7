/**
 * Envelope → WHATWG Response. When deferred work is pending, the body is a one-chunk stream whose
 * end triggers the flush: the server (rr adapter or node:http) has taken every byte by then, so the
 * work runs after the response, never before it.
 * @module
 */
import type { Envelope } from './envelope.js'
import { normalizeEnvelope } from './envelope.js'

/** Content-Type of every envelope. */
export const JSON_TYPE = 'application/json; charset=UTF-8'

/** The HTTP status for a returnCode: the code itself for 4xx/5xx (and 202), else 200; classic mode: always 200. */
export function statusFor(returnCode: number, classic: boolean): number {
  if (classic) return 200
  if (returnCode >= 400 && returnCode <= 599) return returnCode
  return returnCode === 202 ? 202 : 200
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
  headers: Record<string, string>,
  afterResponse?: () => void,
): Response {
  if (status === 204 || status === 205 || status === 304) {
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

/** JSON text of an envelope (exactly the four keys). */
export function envelopeJson(envelope: Envelope): string {
  return JSON.stringify(normalizeEnvelope(envelope))
}
