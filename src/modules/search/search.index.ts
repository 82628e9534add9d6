import { eq, gt, sql } from 'drizzle-orm'
import type { Db } from '../../db/client.js'
import { articles, searchDocs, type ArticleRow } from '../../db/schema.js'
import { excerptOf, htmlToText } from '../../lib/search-query.js'
import { stems } from '../../lib/stemming.js'

export type SearchIndex = ReturnType<typeof createSearchIndex>

const SLOTS_PER_MS = 2048

/**
 * The first FTS rowid an article may take: FTS5 walks a term's documents by rowid, newest first when
 * asked to, so rowids follow publication (2,048 to a millisecond; drafts, undated, below them all).
 * That is what lets a search rank "the newest 1,000 matches" without sorting every match. Exact in a
 * double until the year 2109.
 */
export function publicationKey (publishedAt: string | null): number {
  return publishedAt === null ? 1 : Math.max(1, Date.parse(publishedAt)) * SLOTS_PER_MS
}

/** Keeps article_search (FTS5 over stems) in step with articles; every call runs in the caller's transaction. */
export function createSearchIndex (db: Db) {
  function remove (articleId: string): void {
    const doc = db.select({ rowid: searchDocs.rowid }).from(searchDocs).where(eq(searchDocs.articleId, articleId)).get()
    if (!doc) return
    db.run(sql`DELETE FROM article_search WHERE rowid = ${doc.rowid}`)
    db.delete(searchDocs).where(eq(searchDocs.rowid, doc.rowid)).run()
  }

  const lastKeyBelow = db.$client.prepare('SELECT max(rowid) FROM search_docs WHERE rowid >= ? AND rowid < ?').pluck()

  /** (Re-)indexes an article under a rowid in its publication instant's range. */
  function index (row: Pick<ArticleRow, 'id' | 'title' | 'lead' | 'bodyHtml' | 'publishedAt' | 'updatedAt' | 'lang'>): void {
    remove(row.id)
    const base = publicationKey(row.publishedAt)
    const last = lastKeyBelow.get(base, base + SLOTS_PER_MS) as number | null
    const bodyText = htmlToText(row.bodyHtml)
    const { rowid } = db.insert(searchDocs).values({ rowid: last === null ? base : last + 1, articleId: row.id, excerpt: excerptOf(bodyText), updatedAt: row.updatedAt, lang: row.lang })
      .returning({ rowid: searchDocs.rowid }).get()
    db.run(sql`INSERT INTO article_search (rowid, title, lead, body)
      VALUES (${rowid}, ${stems(row.title)}, ${stems(row.lead ?? '')}, ${stems(bodyText)})`)
  }

  const copyRow = db.$client.prepare('UPDATE search_docs SET updated_at = ?, lang = ? WHERE article_id = ?')

  return {
    index,
    remove,

    /** Keeps the index's copies of a row's updated_at and lang current, for writes that change no text. */
    touch (row: Pick<ArticleRow, 'id' | 'updatedAt' | 'lang'>): void {
      copyRow.run(row.updatedAt, row.lang, row.id)
    },

    /** True when every article has its entry (false after a restore from an old backup, say). */
    isComplete (): boolean {
      const row = db.get<{ missing: number, unexcerpted: number }>(sql`SELECT (SELECT count(*) FROM articles) - (SELECT count(*) FROM search_docs) AS missing,
        EXISTS (SELECT 1 FROM search_docs WHERE excerpt IS NULL OR updated_at IS NULL OR lang IS NULL) AS unexcerpted`)
      return row.missing === 0 && row.unexcerpted === 0
    },

    /** Rebuilds the whole index from the articles; returns how many it indexed. */
    rebuild (): number {
      return db.transaction(() => {
        db.run(sql`DELETE FROM article_search`)
        db.delete(searchDocs).run()
        let count = 0
        let after = ''
        // In chunks by id, so a million articles never sit in memory at once.
        for (;;) {
          const chunk = db.select({ id: articles.id, title: articles.title, lead: articles.lead, bodyHtml: articles.bodyHtml, publishedAt: articles.publishedAt, updatedAt: articles.updatedAt, lang: articles.lang })
            .from(articles).where(gt(articles.id, after)).orderBy(articles.id).limit(1000).all()
          if (chunk.length === 0) return count
          for (const row of chunk) index(row)
          count += chunk.length
          after = chunk.at(-1)!.id
        }
      }, { behavior: 'immediate' })
    },
  }
}
