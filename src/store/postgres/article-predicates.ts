import { sql, type Placeholder, type SQL } from 'drizzle-orm'
import type { ArticleState } from '../../domain/visibility.js'
import type { Audience } from '../../lib/auth.js'
import { articles } from './schema.js'

// The one definition of "live" (published and not in the trash) in SQL, written as the partial
// indexes' WHERE (schema.ts) so the planner matches them.
const live = sql`${articles.status} = 'published' AND ${articles.deletedAt} IS NULL`
const notDeleted = sql`${articles.deletedAt} IS NULL`

/** The articles in one derived state at instant `at` (domain/visibility.ts stateOf, as SQL). */
export function inState (state: ArticleState | 'all', at: string | Placeholder): SQL {
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
  return audience === 'public' ? inState('published', at) : sql`TRUE`
}
