/**
 * What a handler gets next to the Request: the parts of rr's request context that have no place
 * on a WHATWG Request (client address, protocol, rr attributes, the form rr parsed, uploads), the
 * client-gone signal and 103 Early Hints.
 * @module
 */
import type { HeaderMap, RequestContext } from './codec.js'
import { initEntries } from './headers.js'
import { parseFormTree, toFormData, type FormTree } from './form.js'
import { parseQuery } from './query.js'
import { openUploads, type UploadTree } from './uploads.js'
import type { ResponseWriter } from './writer.js'

/** Per-request information that has no place on a WHATWG Request. */
export interface HttpContext {
  /** Client IP (no port), as rr saw it. */
  readonly remoteAddr: string
  /** `HTTP/1.1`, `HTTP/2.0`. */
  readonly protocol: string
  /** rr's decoded request context. */
  readonly raw: RequestContext
  /** Cookies by name (rr URL-unescaped the values; first value of a repeated name). */
  readonly cookies: Readonly<Record<string, string>>
  /** Values rr middleware attached to the request. */
  readonly attributes: Readonly<HeaderMap>
  /**
   * The form rr parsed (urlencoded or multipart with `http.raw_body: false`, the default), as a
   * PHP-style tree; `undefined` when rr passed the body through unparsed.
   */
  readonly form: FormTree | undefined
  /**
   * The query string as PHP's `parse_str` tree (`a[]=1&a[]=2` → `{a: ['1','2']}`, `a[b]=1` →
   * `{a: {b: '1'}}`, a repeated plain key keeps its last value), built on first read.
   * `new URL(request.url).searchParams` keeps the literal keys.
   */
  readonly query: FormTree
  /**
   * Uploaded files (multipart parsed by rr) as file-backed `File`s, read lazily. rr deletes the
   * temp files after the response: read or copy them before returning it.
   */
  uploads(): Promise<UploadTree>
  /** Aborts when the client went away during a streamed response (rr sent STOP). */
  readonly signal: AbortSignal
  /**
   * Sends `103 Early Hints` now, before the response (e.g. `{ link: '</app.css>; rel=preload; as=style' }`).
   * rr 2025.1 also keeps these headers on the final response.
   */
  earlyHints(headers: HeadersInit): Promise<void>
}

const gone = (): DOMException => new DOMException('the client went away (rr sent STOP)', 'AbortError')

/** The context built for each rr request. */
export class RrHttpContext implements HttpContext {
  readonly raw: RequestContext
  readonly #body: Buffer
  readonly #writer: Pick<ResponseWriter, 'onStop' | 'earlyHints'> | undefined
  #abort: AbortController | undefined
  #cookies: Record<string, string> | undefined
  #form: FormTree | undefined | null = null
  #query: FormTree | undefined
  #uploads: Promise<UploadTree> | undefined

  constructor(raw: RequestContext, body: Buffer, writer?: Pick<ResponseWriter, 'onStop' | 'earlyHints'>) {
    this.raw = raw
    this.#body = body
    this.#writer = writer
  }

  get remoteAddr(): string {
    return this.raw.remote_addr
  }

  get protocol(): string {
    return this.raw.protocol
  }

  get cookies(): Readonly<Record<string, string>> {
    if (!this.#cookies) {
      const c: Record<string, string> = Object.create(null)
      for (const [k, v] of Object.entries(this.raw.cookies)) if (v.length > 0) c[k] = v[0]!
      this.#cookies = c
    }
    return this.#cookies
  }

  get attributes(): Readonly<HeaderMap> {
    return this.raw.attributes
  }

  get form(): FormTree | undefined {
    if (this.#form === null) this.#form = this.raw.parsed ? parseFormTree(this.#body) : undefined
    return this.#form
  }

  get query(): FormTree {
    return (this.#query ??= parseQuery(this.raw.raw_query))
  }

  uploads(): Promise<UploadTree> {
    return (this.#uploads ??= openUploads(this.raw.uploads))
  }

  /** `formData()` for a form rr parsed: fields from the tree, files from the uploads. */
  async formData(): Promise<FormData> {
    return toFormData(this.form ?? {}, await this.uploads())
  }

  get signal(): AbortSignal {
    if (!this.#abort) {
      // Created on first use only: most handlers never look at it.
      const abort = (this.#abort = new AbortController())
      this.#writer?.onStop(() => abort.abort(gone()))
    }
    return this.#abort.signal
  }

  async earlyHints(headers: HeadersInit): Promise<void> {
    if (!this.#writer) throw new Error('early hints need a response in progress (this context is not attached to rr)')
    await this.#writer.earlyHints(initEntries(headers))
  }
}
