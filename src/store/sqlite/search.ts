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

/** One of the newest matches, before it is ranked. */
interface Candidate { key: number, id: string, publishedAt: string | null }

/** Best match first, newer first among equals (drafts, undated, last), then by id. */
function ranked (candidates: Candidate[], scores: Map<number, number>): Array<Candidate & { score: number }> {
  const newer = (a: string | null, b: string | null) => a === b ? 0 : (a ?? '') < (b ?? '') ? 1 : -1
  return candidates.map((c) => ({ ...c, score: scores.get(c.key)! }))
    .sort((a, b) => b.score - a.score || newer(a.publishedAt, b.publishedAt) || (a.id < b.id ? 1 : -1))
}

export function createSearchStore (db: Db, tagsOf: TagLoader): SearchStore {
  /**
   * bm25 (title 10, lead 4, body 1) of each candidate. It weighs a word by the documents holding it,
   * which FTS5 counts on every query over the whole index it runs on: when every candidate is in
   * recent_search (a common word's newest 1,000 matches are), it runs there, over at most 40,000
   * articles instead of the archive. Only the candidates are scored (`+rowid`: a filter on each row
   * of the range FTS5 walks, not a lookup per rowid, which would count the documents again each time).
   */
  function scoresOf (candidates: Candidate[], match: string): Map<number, number> {
    const lowest = candidates.at(-1)!.key
    const index = sql.identifier(lowest >= shardOf(db).floor ? 'recent_search' : 'article_search')
    const keys = JSON.stringify(candidates.map((c) => c.key))
    const scored = db.all<{ key: number, score: number }>(sql`SELECT rowid AS key, -bm25(${index}, 10.0, 4.0, 1.0) AS score FROM ${index}
      WHERE ${index} MATCH ${match} AND rowid >= ${lowest} AND rowid <= ${candidates[0]!.key} AND +rowid IN (SELECT value FROM json_each(${keys}))`)
    return new Map(scored.map((row) => [row.key, row.score]))
  }

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
      // Ranked results have no stable key to seek from, so the cursor carries an offset.
      const offset = query.cursor ? decodeCursor(query.cursor, 'search', ['number'])[0] as number : 0
      // One read snapshot: the candidates, the shard's floor and the scores agree with one another.
      const { total, rows } = db.$client.transaction(() => {
        // The newest matches, by index order (FTS5 walks a term's documents backwards and stops).
        // Ranking every match instead costs a second at 100,000 articles for a word most of them contain.
        const candidates = db.all<Candidate>(sql`SELECT article_search.rowid AS key, search_docs.article_id AS id, articles.published_at AS publishedAt
          FROM article_search JOIN search_docs ON search_docs.rowid = article_search.rowid JOIN articles ON articles.id = search_docs.article_id
          WHERE ${where} ORDER BY article_search.rowid DESC LIMIT ${SEARCH_WINDOW}`)
        if (offset >= candidates.length) return { total: candidates.length, rows: [] }
        const page = ranked(candidates, scoresOf(candidates, parsed.match)).slice(offset, offset + query.limit)
        // Of the page's article rows only the first columns are read (slug, title, lead); the rest comes from search_docs.
        const found = new Map(db.all<Omit<HitRecord, 'score' | 'publishedAt'>>(sql`SELECT articles.id AS id, articles.slug AS slug,
            articles.title AS title, articles.lead AS lead, search_docs.excerpt AS excerpt, search_docs.updated_at AS updatedAt, search_docs.lang AS lang
          FROM articles JOIN search_docs ON search_docs.article_id = articles.id WHERE articles.id IN (SELECT value FROM json_each(${JSON.stringify(page.map((c) => c.id))}))`)
          .map((row) => [row.id, row]))
        return { total: candidates.length, rows: page.map((c) => ({ ...found.get(c.id)!, publishedAt: c.publishedAt, score: c.score })) }
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
