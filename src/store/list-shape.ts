import { eq, gt, lt, sql, type Column, type Placeholder, type SQL } from 'drizzle-orm'
import { LRUCache } from 'lru-cache'
import { listedState, type ArticleState } from '../domain/visibility.js'
import type { Audience } from '../lib/auth.js'
import { decodeCursor } from '../lib/cursor.js'
import type { ArticleListQuery } from '../modules/articles/articles.schemas.js'

/**
 * What an article list's SQL depends on, its values aside: which filters, how many tags, what cursor,
 * sort and columns. Both stores build and prepare a list's queries once per shape and run them with
 * each request's values (building the SQL anew for every request cost about as much as running it).
 */
export interface ListShape {
  state: ArticleState | 'all'
  since: boolean
  lang: boolean
  after: boolean
  before: boolean
  /** How many tag ids it filters by; 0 for none. */
  tags: number
  cursor: 'none' | 'null' | 'value'
  sort: ArticleListQuery['sort']
  body: boolean
  total: boolean
}

/** A list request's values, named as its shape's placeholders are (tag ids apart: each store names those). */
export interface ListValues {
  at: string
  since: string | undefined
  lang: string | undefined
  after: string | undefined
  before: string | undefined
  value: string | null | undefined
  id: string | undefined
  limit: number
}

export type ListRequest = ArticleListQuery & { since?: string }

/** A request's shape and values; `tagCount` is how many tag ids its tag filter resolved to. */
export function listShape (query: ListRequest, audience: Audience, tagCount: number, countTotal: boolean, at: string): { shape: ListShape, values: ListValues } {
  const cursor = query.cursor ? decodeCursor(query.cursor, query.sort, ['nullable-string', 'string']) as [string | null, string] : undefined
  return {
    shape: {
      state: listedState(audience, query.status),
      since: query.since !== undefined,
      lang: query.lang !== undefined,
      after: query.publishedAfter !== undefined,
      before: query.publishedBefore !== undefined,
      tags: tagCount,
      cursor: cursor === undefined ? 'none' : cursor[0] === null ? 'null' : 'value',
      sort: query.sort,
      body: query.include === 'body',
      total: countTotal,
    },
    values: {
      at,
      since: query.since,
      lang: query.lang,
      after: query.publishedAfter,
      before: query.publishedBefore,
      value: cursor?.[0],
      id: cursor?.[1],
      // One row more than the page: it tells whether a next page exists.
      limit: query.limit + 1,
    },
  }
}

/** List shapes whose prepared queries are kept (a tag list's length makes shapes without bound). */
const LIST_SHAPES = 200

/** Prepared queries by shape: `prepare` runs once for each shape while it is among the most used. */
export function shapeCache<Q> (prepare: (shape: ListShape) => Q): (shape: ListShape) => Q {
  const kept = new LRUCache<string, { queries: Q }>({ max: LIST_SHAPES })
  return (shape) => {
    const key = JSON.stringify(shape)
    let entry = kept.get(key)
    if (entry === undefined) kept.set(key, (entry = { queries: prepare(shape) }))
    return entry.queries
  }
}

/** Placeholders for a shape's tag ids (tag0, tag1, …), and a request's values for them. */
export const tagPlaceholders = (n: number) => Array.from({ length: n }, (_, i) => sql.placeholder(`tag${i}`))
export const tagParams = (tagIds: string[]) => Object.fromEntries(tagIds.map((id, i) => [`tag${i}`, id]))

/** What a store gives the shared filters: its columns and its SQL for a state and for carrying any of some tags. */
export interface ListDialect {
  publishedAt: Column
  lang: Column
  inState: (state: ArticleState | 'all', at: Placeholder) => SQL
  taggedWith: (tagIds: Placeholder[]) => SQL
}

/** A shape's filters, the cursor aside, with placeholders for the request's values. */
export function shapeFilters (shape: ListShape, dialect: ListDialect): SQL[] {
  const p = sql.placeholder
  const filters: SQL[] = [dialect.inState(shape.state, p('at'))]
  if (shape.since) filters.push(gt(dialect.publishedAt, p('since')))
  if (shape.lang) filters.push(eq(dialect.lang, p('lang')))
  if (shape.after) filters.push(gt(dialect.publishedAt, p('after')))
  if (shape.before) filters.push(lt(dialect.publishedAt, p('before')))
  if (shape.tags > 0) filters.push(dialect.taggedWith(tagPlaceholders(shape.tags)))
  return filters
}

/** Whether a shape's total is counted from the tag links' copy of each live article's date. */
export const countedFromTagLinks = (shape: ListShape) => shape.tags > 0 && shape.state === 'published' && !shape.lang && !shape.since
