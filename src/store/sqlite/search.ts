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
import { fillShard, shardOf } from './search-shard.js'
import { unitOfWork } from './unit-of-work.js'

type Index = 'recent_search' | 'article_search'

export function createSearchStore (db: Db, tagsOf: TagLoader): SearchStore {
  return {
    /**
     * Best match first (bm25, title weighted above lead above body), newer first among equals, among
     * the newest SEARCH_WINDOW matches. bm25 weighs a word by the documents holding it, which FTS5
     * counts on every query over the whole index it runs on; so the search runs first in
     * recent_search (the newest 20,000–40,000 articles, search-shard.ts). When the window fills there,
     * or recent_search holds every article, those are the newest matches of all; otherwise the search
     * runs again in the full index.
     */
    async search (query, parsed, audience) {
      const at = now()
      const filters: SQL[] = [inState(listedState(audience, query.status), at)]
      if (query.lang) filters.push(sql`articles.lang = ${query.lang}`)
      if (query.tag !== undefined) {
        const tagged = taggedWithAny(db, query.tag)
        if (!tagged) return { items: [], nextCursor: null, total: 0 }
        filters.push(tagged.where)
      }
      // Ranked results have no stable key to seek from, so the cursor carries an offset.
      const offset = query.cursor ? decodeCursor(query.cursor, 'search', ['number'])[0] as number : 0

      function searchIn (name: Index) {
        const index = sql.identifier(name)
        // The newest matches, by index order (FTS5 walks a term's documents backwards and stops), scored
        // with bm25 (title 10, lead 4, body 1). Ranking every match instead costs a second at 100,000
        // articles for a word most of them contain.
        const candidates = sql`SELECT search_docs.article_id AS id, articles.published_at AS publishedAt,
            -bm25(${index}, 10.0, 4.0, 1.0) AS score
          FROM ${index} JOIN search_docs ON search_docs.rowid = ${index}.rowid JOIN articles ON articles.id = search_docs.article_id
          WHERE ${index} MATCH ${parsed.match} AND ${sql.join(filters, sql` AND `)} ORDER BY ${index}.rowid DESC LIMIT ${SEARCH_WINDOW}`
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
        return { rows, total }
      }

      // One read snapshot: the shard's floor and what both indexes hold agree with one another.
      const { rows, total } = db.$client.transaction(() => {
        const recent = searchIn('recent_search')
        return recent.total >= SEARCH_WINDOW || shardOf(db).floor === 0 ? recent : searchIn('article_search')
      })()
      return searchPage(rows, tagsOf(rows.map((r) => r.id)), parsed.stems, offset, total)
    },

    isComplete: async () => indexIsComplete(db),
    rebuild: () => rebuildIndex(db),

    async fillRecent () {
      let filled = 0
      // In chunks, so that no one write holds the database for long.
      for (let added; (added = await unitOfWork(db, (tx) => fillShard(tx, 500))) > 0;) filled += added
      return filled
    },
  }
}
