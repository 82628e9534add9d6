import type { Page } from './store.js'

/**
 * One page from rows read with `limit + 1`: the extra row only tells that a next page exists, whose
 * cursor is made from the page's last row. `toItems` maps the page's rows at once (to load their tags
 * in one query, say).
 */
export function pageOf<R, T> (rows: R[], limit: number, total: number, cursorOf: (last: R) => string, toItems: (rows: R[]) => T[]): Page<T> {
  const pageRows = rows.length > limit ? rows.slice(0, limit) : rows
  const last = pageRows.at(-1)
  return { items: toItems(pageRows), nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null, total }
}
