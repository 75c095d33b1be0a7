/**
 * Sends a WHATWG Response (or a light one) through a {@link ResponseWriter}.
 *
 * Bodies that are complete at once (string, bytes, a stream that ends without waiting) go out as
 * one frame. A body that has to wait for more data is streamed: whatever is ready is sent as a
 * STREAM frame as soon as the source would block, so server-sent events reach the client without
 * delay, and consecutive ready chunks are coalesced up to {@link COALESCE_LIMIT} per frame.
 * STOP from rr cancels the source (its `cancel()` / iterator `return()` runs).
 * @module
 */
import { headerEntries } from './headers.js'
import { defaultContentType, keptBody } from './lazy-response.js'
import { sealEntries, type HeaderEntry } from './codec.js'
import type { ResponseWriter } from './writer.js'

/** Bytes of ready chunks merged into one frame before it is sent. */
export const COALESCE_LIMIT = 1024 * 1024

/** What {@link pump} reads: a pull-based source of byte chunks. */
export interface ChunkSource {
  next(): Promise<IteratorResult<Uint8Array | string>>
  cancel(): void
}

const PENDING = Symbol('pending')
const STOPPED = Symbol('stopped')
const immediate = (): Promise<typeof PENDING> => new Promise((r) => setImmediate(r, PENDING))

function bytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8')
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk)
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
  throw new TypeError(`a response body chunk must be a string or bytes (Uint8Array/ArrayBuffer), got ${typeof chunk === 'object' ? Object.prototype.toString.call(chunk) : typeof chunk}`)
}

/**
 * Reads `source` to the end into `writer` (see the module comment for framing). Ends the writer.
 * A source that fails after bytes went out ends the response early and rethrows.
 */
export async function pump(source: ChunkSource, writer: ResponseWriter): Promise<void> {
  let stopped = false
  let onStopped!: (r: typeof STOPPED) => void
  // A source may sit in a pending next() long after STOP (an async generator only runs return()
  // once its current step finishes): the final frame must not wait for it.
  const stop = new Promise<typeof STOPPED>((r) => (onStopped = r))
  writer.onStop(() => {
    stopped = true
    source.cancel()
    onStopped(STOPPED)
  })
  let held: Uint8Array[] = []
  let heldBytes = 0
  let next = source.next()
  try {
    for (;;) {
      let r: IteratorResult<Uint8Array | string> | typeof PENDING | typeof STOPPED = await Promise.race([next, immediate()])
      if (r === PENDING) {
        // The source has to wait: send what is ready so the client sees it now.
        if (held.length > 0) {
          const parts = held
          held = []
          heldBytes = 0
          await writer.write(parts)
        }
        r = await Promise.race([next, stop])
      }
      if (stopped || r === STOPPED) break
      if (r.done) break
      const b = bytes(r.value)
      held.push(b)
      heldBytes += b.byteLength
      if (heldBytes >= COALESCE_LIMIT) {
        const parts = held
        held = []
        heldBytes = 0
        await writer.write(parts)
        if (stopped) break
      }
      next = source.next()
    }
  } catch (err) {
    // Nothing sent yet: the caller can still answer with an error status. Otherwise end what was
    // started (rr has no way to abort a response half-way).
    if (writer.started) await writer.end(stopped ? undefined : held)
    throw err
  }
  await writer.end(stopped ? undefined : held)
}

/** A ReadableStream as a {@link ChunkSource}. */
export function streamSource(stream: ReadableStream<Uint8Array | string>): ChunkSource {
  const reader = stream.getReader()
  return {
    next: () => reader.read() as Promise<IteratorResult<Uint8Array | string>>,
    cancel: () => void reader.cancel().catch(() => {}),
  }
}

/** An (async) iterable as a {@link ChunkSource}. */
export function iterableSource(it: AsyncIterable<unknown> | Iterable<unknown>): ChunkSource {
  const iter =
    Symbol.asyncIterator in it ? (it as AsyncIterable<unknown>)[Symbol.asyncIterator]() : (it as Iterable<unknown>)[Symbol.iterator]()
  return {
    next: async () => (await iter.next()) as IteratorResult<Uint8Array | string>,
    cancel: () => {
      try {
        void Promise.resolve(iter.return?.()).catch(() => {})
      } catch {
        // a return() that throws must not reach rr's frame handler
      }
    },
  }
}

function isAsyncIterable(x: unknown): x is AsyncIterable<unknown> {
  return x != null && typeof x === 'object' && Symbol.asyncIterator in x
}

function isFast(body: unknown): boolean {
  return (
    body == null ||
    typeof body === 'string' ||
    body instanceof Uint8Array ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    body instanceof URLSearchParams ||
    body instanceof Blob ||
    body instanceof ReadableStream ||
    isAsyncIterable(body)
  )
}

/**
 * Writes `response` (status, every header incl. several Set-Cookie, body) and ends the writer.
 */
export function sendResponse(writer: ResponseWriter, response: Response): Promise<void> {
  try {
    return send(writer, response)
  } catch (err) {
    return Promise.reject(err)
  }
}

const NO_ENTRIES: readonly HeaderEntry[] = sealEntries([])
/** The sealed `content-type` entry lists of the types seen (a few: JSON's, text's, a Blob's). */
const typeEntries = new Map<string, readonly HeaderEntry[]>()

/** `[['content-type', type]]`, sealed (encoded once) for the first {@link TYPE_LIMIT} types. */
function typeOnly(type: string): readonly HeaderEntry[] {
  const known = typeEntries.get(type)
  if (known) return known
  const entries: readonly HeaderEntry[] = [['content-type', type]]
  if (typeEntries.size >= TYPE_LIMIT) return entries
  const sealed = sealEntries(entries)
  typeEntries.set(type, sealed)
  return sealed
}
/** Blob types come from user data: how many distinct content types are kept encoded. */
const TYPE_LIMIT = 64

function send(writer: ResponseWriter, response: Response): Promise<void> {
  const kept = keptBody(response)
  if (kept && isFast(kept.body)) {
    const body = kept.body
    let entries: readonly HeaderEntry[]
    if (kept.headers) entries = headerEntries(kept.headers)
    else if (kept.entries) entries = kept.entries
    else {
      const type = kept.type ?? defaultContentType(body)
      entries = type ? typeOnly(type) : NO_ENTRIES
    }
    writer.head(kept.status, entries)
    if (body == null) return writer.end()
    if (typeof body === 'string') return writer.end(body)
    if (body instanceof Uint8Array) return writer.end(body)
    if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return writer.end(bytes(body))
    if (body instanceof URLSearchParams) return writer.end(Buffer.from(body.toString(), 'utf8'))
    if (body instanceof ReadableStream) return pumpUnlessNoBody(streamSource(body), writer)
    if (body instanceof Blob) return pumpUnlessNoBody(streamSource(body.stream()), writer)
    return pumpUnlessNoBody(iterableSource(body as unknown as AsyncIterable<unknown>), writer)
  }
  // A native Response, or a light one with a body only the native one knows how to serialise
  // (FormData, numbers, ...): `body` materialises it before status and headers are read.
  const body = response.body
  writer.head(response.status, headerEntries(response.headers))
  if (!body) return writer.end()
  return pumpUnlessNoBody(streamSource(body), writer)
}

function pumpUnlessNoBody(source: ChunkSource, writer: ResponseWriter): Promise<void> {
  if (writer.bodyAllowed) return pump(source, writer)
  source.cancel()
  return writer.end()
}
