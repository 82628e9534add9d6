import { sql, type SQL } from 'drizzle-orm'
import { SEARCH_WINDOW } from '../../domain/search-document.js'
import { listedState } from '../../domain/visibility.js'
import { decodeCursor, encodeCursor } from '../../lib/cursor.js'
import { now } from '../../lib/ids.js'
import { snippet } from '../../lib/search-query.js'
import type { SearchHitData, SearchStore } from '../store.js'
import { inState } from './article-predicates.js'
import { taggedWithAny, type TagLoader } from './article-tags.js'
import type { PgDb } from './client.js'
import { indexIsComplete, rebuildIndex } from './search-index.js'

interface HitRow extends Record<string, unknown> {
  id: string
  slug: string
  title: string
  lead: string | null
  excerpt: string
  published_at: string | null
  updated_at: string
  lang: string
  score: number
  total: number
}

/**
 * ts_rank's weights for D, C, B, A: body 1, lead 4, title 10, the proportions SQLite's bm25 is given
 * (title 10, lead 4, body 1).
 */
const WEIGHTS = '{0.1, 0, 0.4, 1.0}'

export function createSearchStore (db: PgDb, tagsOf: TagLoader): SearchStore {
  return {
    /** Best match first (title weighted above lead above body), newer first among equals. */
    async search (query, parsed, audience) {
      const at = now()
      const tsquery = sql`${parsed.tsquery}::tsquery`
      const filters: SQL[] = [sql`search_docs.document @@ ${tsquery}`, inState(listedState(audience, query.status), at)]
      if (query.lang) filters.push(sql`articles.lang = ${query.lang}`)
      if (query.tag !== undefined) {
        const tagged = await taggedWithAny(db, query.tag)
        if (!tagged) return { items: [], nextCursor: null, total: 0 }
        filters.push(tagged.where)
      }
      // The newest matches by index key (publication order), as SQLite takes them from FTS5.
      const candidates = sql`SELECT search_docs.article_id AS id, articles.published_at
        FROM search_docs JOIN articles ON articles.id = search_docs.article_id
        WHERE ${sql.join(filters, sql` AND `)} ORDER BY search_docs.key DESC LIMIT ${SEARCH_WINDOW}`
      const offset = query.cursor ? decodeCursor(query.cursor, 'search', ['number'])[0] as number : 0
      const rows = await db.execute<HitRow>(sql`
        WITH candidates AS (${candidates}),
        ranked AS (
          SELECT candidates.id, candidates.published_at,
            ts_rank(${WEIGHTS}::float4[], search_docs.document, ${tsquery}) AS score,
            count(*) OVER () AS total
          FROM candidates JOIN search_docs ON search_docs.article_id = candidates.id
          ORDER BY score DESC, candidates.published_at DESC NULLS LAST, candidates.id DESC
          LIMIT ${query.limit} OFFSET ${offset}
        )
        SELECT articles.id, articles.slug, articles.title, articles.lead, search_docs.excerpt,
          ranked.published_at, search_docs.updated_at, search_docs.lang, ranked.score::float8 AS score, ranked.total::int AS total
        FROM ranked JOIN articles ON articles.id = ranked.id JOIN search_docs ON search_docs.article_id = ranked.id
        ORDER BY ranked.score DESC, ranked.published_at DESC NULLS LAST, ranked.id DESC`)
      const total = rows[0]?.total ??
        (offset === 0 ? 0 : (await db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM (${candidates}) AS c`))[0]!.n)
      const tags = await tagsOf(rows.map((r) => r.id))
      const seen = new Map<string, boolean>()
      const items: SearchHitData[] = rows.map((row) => ({
        id: row.id,
        slug: row.slug,
        title: row.title,
        lead: row.lead,
        publishedAt: row.published_at,
        updatedAt: row.updated_at,
        lang: row.lang,
        tags: (tags.get(row.id) ?? []).map(({ slug, name }) => ({ slug, name })),
        score: Math.round(row.score * 1e6) / 1e6,
        snippet: snippet(`${row.lead ?? ''} ${row.excerpt}`, parsed.stems, seen) ?? snippet(row.title, parsed.stems, seen) ?? '',
      }))
      const nextOffset = offset + rows.length
      return { items, nextCursor: nextOffset < total && rows.length > 0 ? encodeCursor('search', [nextOffset]) : null, total }
    },

    isComplete: () => indexIsComplete(db),
    rebuild: () => rebuildIndex(db),
  }
}
