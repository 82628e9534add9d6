import { sql, type SQL } from 'drizzle-orm'
import { SEARCH_WINDOW } from '../../domain/search-document.js'
import { listedState } from '../../domain/visibility.js'
import { decodeCursor } from '../../lib/cursor.js'
import { now } from '../../lib/ids.js'
import { searchPage, type HitRecord } from '../shapes.js'
import type { SearchStore } from '../store.js'
import { inState } from './article-predicates.js'
import { taggedWithAny, type TagLoader } from './article-tags.js'
import type { Db } from './client.js'
import { indexIsComplete, rebuildIndex } from './search-index.js'

export function createSearchStore (db: Db, tagsOf: TagLoader): SearchStore {
  return {
    /** Best match first (bm25, title weighted above lead above body), newer first among equals. */
    async search (query, parsed, audience) {
      const at = now()
      const filters: SQL[] = [sql`article_search MATCH ${parsed.match}`, inState(listedState(audience, query.status), at)]
      if (query.lang) filters.push(sql`articles.lang = ${query.lang}`)
      if (query.tag !== undefined) {
        const tagged = taggedWithAny(db, query.tag)
        if (!tagged) return { items: [], nextCursor: null, total: 0 }
        filters.push(tagged.where)
      }
      const where = sql.join(filters, sql` AND `)
      // The newest matches, by index order (FTS5 walks a term's documents backwards and stops), scored
      // with bm25 (title 10, lead 4, body 1). Ranking every match instead costs a second at 100,000
      // articles for a word most of them contain.
      const candidates = sql`SELECT search_docs.article_id AS id, articles.published_at AS publishedAt,
          -bm25(article_search, 10.0, 4.0, 1.0) AS score
        FROM article_search JOIN search_docs ON search_docs.rowid = article_search.rowid JOIN articles ON articles.id = search_docs.article_id
        WHERE ${where} ORDER BY article_search.rowid DESC LIMIT ${SEARCH_WINDOW}`
      // Ranked results have no stable key to seek from, so the cursor carries an offset.
      const offset = query.cursor ? decodeCursor(query.cursor, 'search', ['number'])[0] as number : 0
      // Ranked from the candidates' keys alone (for the public, straight from an index); of the page's
      // rows only the first columns are read (slug, title, lead), the rest comes from search_docs.
      const rows = db.all<HitRecord & { total: number }>(sql`
        WITH candidates AS (${candidates}),
        page AS (
          SELECT id, publishedAt, score, count(*) OVER () AS total FROM candidates
          ORDER BY score DESC, publishedAt DESC, id DESC LIMIT ${query.limit} OFFSET ${offset}
        )
        SELECT articles.id AS id, articles.slug AS slug, articles.title AS title, articles.lead AS lead,
          search_docs.excerpt AS excerpt, page.publishedAt AS publishedAt, search_docs.updated_at AS updatedAt,
          search_docs.lang AS lang, page.score AS score, page.total AS total
        FROM page JOIN articles ON articles.id = page.id JOIN search_docs ON search_docs.article_id = page.id
        ORDER BY page.score DESC, page.publishedAt DESC, page.id DESC`)
      const total = rows[0]?.total ?? (offset === 0 ? 0 : db.get<{ n: number }>(sql`SELECT count(*) AS n FROM (${candidates})`).n)
      return searchPage(rows, tagsOf(rows.map((r) => r.id)), parsed.stems, offset, total)
    },

    isComplete: async () => indexIsComplete(db),
    rebuild: () => rebuildIndex(db),
  }
}
