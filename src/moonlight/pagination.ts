/**
 * Pagination for list actions: `limit`/`offset` at the top level or under `pagination`/`search`
 * (either case), and the paginated result shape of Pionia's generic services.
 */
import { ValidationError, type RequestData } from '../../src/moonlight/index.js'

export interface Page {
  limit: number
  offset: number
}

/** Reads limit (1..100, default 10) and offset (>= 0, default 0). */
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
