/**
 * Errors that render themselves as envelopes: the returnCode is the error's `code`, the message is
 * shown in production too (they are client errors, not leaks). Anything else becomes a 500 with a
 * generic message unless debug is on.
 * @module
 */

/** Base of all client-facing Moonlight errors. */
export class HttpError extends Error {
  override name = 'HttpError'
  /** returnCode (and HTTP status unless `[server] HTTP_STATUS = classic`). */
  readonly code: number
  /** Extra headers for the HTTP response (e.g. Retry-After). */
  readonly headers: Record<string, string>
  readonly data: unknown
  constructor(code: number, message: string, options: { data?: unknown; headers?: Record<string, string> } = {}) {
    super(message)
    this.code = code
    this.data = options.data ?? null
    this.headers = options.headers ?? {}
  }
}

/** 400: the request itself is unusable (malformed JSON, missing field for a non-validated action). */
export class BadRequestError extends HttpError {
  override name = 'BadRequestError'
  constructor(message = 'Bad request', data?: unknown) {
    super(400, message, { data })
  }
}

/** 401 (`[server] UNAUTHENTICATED_CODE`): no authenticated user. */
export class UnauthenticatedError extends HttpError {
  override name = 'UnauthenticatedError'
  constructor(message = 'You must be authenticated to access this resource') {
    super(401, message)
  }
}

/** 403 (`[server] UNAUTHORIZED_CODE`): authenticated, but lacking a permission. */
export class UnauthorizedError extends HttpError {
  override name = 'UnauthorizedError'
  constructor(message = 'You do not have access to this resource') {
    super(403, message)
  }
}

/** 404 (`[server] NOT_FOUND_CODE`): unknown service, action or route. */
export class NotFoundError extends HttpError {
  override name = 'NotFoundError'
  constructor(message = 'Resource not found') {
    super(404, message)
  }
}

/** 405: the route exists but not for this method. */
export class MethodNotAllowedError extends HttpError {
  override name = 'MethodNotAllowedError'
  constructor(allowed: string[]) {
    super(405, `Method not allowed. Try: ${allowed.join(', ')}`, { headers: { Allow: allowed.join(', ') } })
  }
}

/** 422: a validation rule failed; `field` names the offending input. */
export class ValidationError extends HttpError {
  override name = 'ValidationError'
  readonly field: string | undefined
  constructor(message: string, field?: string) {
    super(422, message)
    this.field = field
  }
}
