import { sql, type Placeholder, type SQL } from 'drizzle-orm'
import { articles, type ArticleRow } from '../../db/schema.js'
import type { Audience } from '../../lib/auth.js'
import type { Article } from './articles.schemas.js'

// Written out as literals, not parameters, so SQLite matches them to the partial indexes' WHERE.
const live = sql`${articles.status} = 'published' AND ${articles.deletedAt} IS NULL`
const notDeleted = sql`${articles.deletedAt} IS NULL`

/** The articles in one derived state at instant `at`; decided at read time, so no job publishes anything. */
export function inState (state: Article['status'] | 'all', at: string | Placeholder): SQL {
  switch (state) {
    case 'draft': return sql`${articles.status} = 'draft' AND ${notDeleted}`
    case 'scheduled': return sql`${live} AND ${articles.publishedAt} > ${at}`
    case 'published': return sql`${live} AND ${articles.publishedAt} <= ${at}`
    case 'deleted': return sql`${articles.deletedAt} IS NOT NULL`
    case 'all': return notDeleted
  }
}

/** What an audience can see: the public only what is published now, staff everything. */
export function visibleTo (audience: Audience, at: string | Placeholder): SQL {
  return audience === 'public' ? inState('published', at) : sql`1 = 1`
}

export function stateOf (row: Pick<ArticleRow, 'status' | 'publishedAt' | 'deletedAt'>, at: string): Article['status'] {
  if (row.deletedAt) return 'deleted'
  if (row.status === 'draft') return 'draft'
  return row.publishedAt && row.publishedAt > at ? 'scheduled' : 'published'
}
