/**
 * Pagination for list actions: `limit`/`offset` at the top level or under `pagination`/`search`
 * (either case), and the paginated result shape of Pionia's generic services.
 * @module
 */
import { ValidationError } from '../core/errors.js'
import type { RequestData } from '../core/data.js'

/** A requested page. */
export interface Page {
  limit: number
  offset: number
}

/**
 * Reads limit (1..100, default `defaultLimit`) and offset (>= 0, default 0).
 * @example
 * import { readPage } from 'pionia/moonlight'
 * const { limit, offset } = readPage(data)
 */
export function readPage(data: RequestData, defaultLimit = 10): Page {
  const nested = ['pagination', 'PAGINATION', 'search', 'SEARCH'].map((k) => (data.has(k) ? data.getData(k) : undefined)).find(Boolean)
  const src = nested ?? data
  const limit = src.getInt('limit') ?? src.getInt('LIMIT') ?? defaultLimit
  const offset = src.getInt('offset') ?? src.getInt('OFFSET') ?? 0
  if (limit < 1 || limit > 100) throw new ValidationError('limit must be between 1 and 100', 'limit')
  if (offset < 0) throw new ValidationError('offset must be 0 or more', 'offset')
  return { limit, offset }
}

/** The pagination keys that go next to the results. */
export function pageInfo(page: Page, count: number, total: number): Record<string, unknown> {
  const hasNext = page.offset + count < total
  return {
    current_limit: page.limit,
    current_offset: page.offset,
    next_offset: hasNext ? page.offset + page.limit : null,
    prev_offset: page.offset > 0 ? Math.max(0, page.offset - page.limit) : null,
    results_count: count,
    total_count: total,
    has_next: hasNext,
    has_previous: page.offset > 0,
  }
}
