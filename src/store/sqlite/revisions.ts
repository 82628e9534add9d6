import { and, count, desc, eq, lt } from 'drizzle-orm'
import { toArticle } from '../../domain/article-view.js'
import type { ArticleRecord, TagRef } from '../../domain/records.js'
import { snapshotOf, type RevisionSnapshot } from '../../domain/revisions.js'
import { decodeCursor, encodeCursor } from '../../lib/cursor.js'
import type { RevisionStore } from '../store.js'
import { pageOf } from '../page.js'
import { revisionHtml } from '../shapes.js'
import type { Db } from './client.js'
import { articleRevisions } from './schema.js'
import { insertRow, type Tx } from './unit-of-work.js'

/** Saves the version the record is now at, in the write's unit of work. */
export function saveRevision (tx: Tx, record: ArticleRecord, tags: TagRef[], savedBy: string, savedAt: string): void {
  insertRow(tx, articleRevisions, { articleId: record.id, version: record.version, savedAt, savedBy, title: record.title, snapshot: snapshotOf(record, tags) })
}

export function snapshotAt (tx: Tx, articleId: string, version: number): RevisionSnapshot | undefined {
  const row = tx.select({ snapshot: articleRevisions.snapshot }).from(articleRevisions)
    .where(and(eq(articleRevisions.articleId, articleId), eq(articleRevisions.version, version))).get()
  return row?.snapshot as RevisionSnapshot | undefined
}

export function createRevisionStore (db: Db): RevisionStore {
  // Revisions never change: their HTML is rendered once per process.
  const htmlOf = revisionHtml()

  return {
    async list (articleId, limit, cursor) {
      const filters = [eq(articleRevisions.articleId, articleId)]
      const total = db.select({ n: count() }).from(articleRevisions).where(and(...filters)).get()?.n ?? 0
      if (cursor) filters.push(lt(articleRevisions.version, decodeCursor(cursor, '-version', ['number'])[0] as number))
      const rows = db.select({ version: articleRevisions.version, savedAt: articleRevisions.savedAt, savedBy: articleRevisions.savedBy, title: articleRevisions.title })
        .from(articleRevisions).where(and(...filters)).orderBy(desc(articleRevisions.version)).limit(limit + 1).all()
      return pageOf(rows, limit, total, (last) => encodeCursor('-version', [last.version]), (items) => items)
    },

    async get (articleId, version) {
      const row = db.select().from(articleRevisions)
        .where(and(eq(articleRevisions.articleId, articleId), eq(articleRevisions.version, version))).get()
      if (!row) return undefined
      const { row: article, tags } = row.snapshot as RevisionSnapshot
      return {
        ...toArticle({ ...article, bodyHtml: htmlOf(articleId, version, article.body) }, tags, row.savedAt),
        savedAt: row.savedAt,
        savedBy: row.savedBy,
      }
    },
  }
}
