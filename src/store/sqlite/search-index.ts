import { eq, gt, sql } from 'drizzle-orm'
import type { ArticleRecord } from '../../domain/records.js'
import { searchDocument, SLOTS_PER_MS, type Indexed } from '../../domain/search-document.js'
import type { Db } from './client.js'
import { articles, searchDocs } from './schema.js'
import { addToShard, emptyShard, fillShard, removeFromShard } from './search-shard.js'
import { prepared, unitOfWork, type Tx } from './unit-of-work.js'

// Keeps article_search (FTS5 over stems) and search_docs in step with articles, in the write's unit of work.

export function removeFromIndex (tx: Tx, articleId: string): void {
  const doc = prepared(tx, 'search doc of article', (db) => db.select({ rowid: searchDocs.rowid }).from(searchDocs).where(eq(searchDocs.articleId, sql.placeholder('id'))).prepare())
    .get({ id: articleId })
  if (!doc) return
  removeFromShard(tx, doc.rowid)
  prepared(tx, 'unindex text', (db) => db.$client.prepare('DELETE FROM article_search WHERE rowid = ?')).run(doc.rowid)
  prepared(tx, 'unindex doc', (db) => db.$client.prepare('DELETE FROM search_docs WHERE rowid = ?')).run(doc.rowid)
}

/** (Re-)indexes an article under a rowid in its publication instant's range (domain/search-document.ts). */
export function indexArticle (tx: Tx, row: Indexed): void {
  removeFromIndex(tx, row.id)
  const doc = searchDocument(row)
  const last = prepared(tx, 'last search key', (db) => db.$client.prepare('SELECT max(rowid) FROM search_docs WHERE rowid >= ? AND rowid < ?').pluck())
    .get(doc.key, doc.key + SLOTS_PER_MS) as number | null
  const rowid = last === null ? doc.key : last + 1
  prepared(tx, 'index doc', (db) => db.$client.prepare('INSERT INTO search_docs (rowid, article_id, excerpt, updated_at, lang) VALUES (?, ?, ?, ?, ?)'))
    .run(rowid, doc.articleId, doc.excerpt, doc.updatedAt, doc.lang)
  prepared(tx, 'index text', (db) => db.$client.prepare('INSERT INTO article_search (rowid, title, lead, body) VALUES (?, ?, ?, ?)'))
    .run(rowid, doc.title, doc.lead, doc.body)
  addToShard(tx, rowid, doc)
}

/** Keeps the index's copies of a record's updated_at and lang current, for writes that change no text. */
export function touchIndexed (tx: Tx, row: Pick<ArticleRecord, 'id' | 'updatedAt' | 'lang'>): void {
  tx.update(searchDocs).set({ updatedAt: row.updatedAt, lang: row.lang }).where(eq(searchDocs.articleId, row.id)).run()
}

/** Whether every article is indexed, with every column; the second test is the partial index's own predicate (schema.ts). */
export function indexIsComplete (db: Db): boolean {
  const row = db.get<{ missing: number, unexcerpted: number }>(sql`SELECT (SELECT count(*) FROM articles) - (SELECT count(*) FROM search_docs) AS missing,
    EXISTS (SELECT 1 FROM search_docs WHERE excerpt IS NULL OR updated_at IS NULL OR lang IS NULL) AS unexcerpted`)
  return row.missing === 0 && row.unexcerpted === 0
}

/** Rebuilds the whole index from the articles, as one unit of work; resolves to how many it indexed. */
export function rebuildIndex (db: Db): Promise<number> {
  return unitOfWork(db, (tx) => {
    tx.run(sql`DELETE FROM article_search`)
    tx.delete(searchDocs).run()
    emptyShard(tx)
    let count = 0
    let after = ''
    // In chunks by id, so a million articles never sit in memory at once.
    for (;;) {
      const chunk = tx.select({ id: articles.id, title: articles.title, lead: articles.lead, bodyHtml: articles.bodyHtml, publishedAt: articles.publishedAt, updatedAt: articles.updatedAt, lang: articles.lang })
        .from(articles).where(gt(articles.id, after)).orderBy(articles.id).limit(1000).all()
      if (chunk.length === 0) {
        while (fillShard(tx, 1000) > 0);
        return count
      }
      for (const row of chunk) indexArticle(tx, row)
      count += chunk.length
      after = chunk.at(-1)!.id
    }
  })
}
