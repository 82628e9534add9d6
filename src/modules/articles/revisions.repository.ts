import { and, count, desc, eq, lt } from 'drizzle-orm'
import type { Db } from '../../db/client.js'
import { articleRevisions, type ArticleRow } from '../../db/schema.js'
import { decodeCursor, encodeCursor } from '../../lib/cursor.js'
import { renderMarkdown } from '../../lib/markdown.js'
import { toArticle, type TagRef } from './articles.mapping.js'
import type { Article } from './articles.schemas.js'

/** What a revision keeps: the row without its rendered HTML, and its tags as they were. */
export interface Snapshot {
  row: Omit<ArticleRow, 'bodyHtml'>
  tags: TagRef[]
}

export type RevisionRepository = ReturnType<typeof createRevisionRepository>

// Revisions never change, so their HTML is rendered once per process; the most recent few are kept.
const RENDERED_KEPT = 256

export function createRevisionRepository (db: Db, publicUrl: string) {
  const rendered = new Map<string, string>()
  function htmlOf (articleId: string, version: number, body: string): string {
    const key = `${articleId}\u0000${version}`
    let html = rendered.get(key)
    if (html === undefined) {
      html = renderMarkdown(body)
      rendered.set(key, html)
      if (rendered.size > RENDERED_KEPT) rendered.delete(rendered.keys().next().value!)
    }
    return html
  }

  return {
    /** Saves the version the row is now at; runs in the caller's transaction. */
    save ({ bodyHtml: _html, ...row }: ArticleRow, tags: TagRef[], savedBy: string, savedAt: string): void {
      const snapshot: Snapshot = { row, tags }
      db.insert(articleRevisions).values({ articleId: row.id, version: row.version, savedAt, savedBy, title: row.title, snapshot }).run()
    },

    list (articleId: string, limit: number, cursor: string | undefined) {
      const filters = [eq(articleRevisions.articleId, articleId)]
      const total = db.select({ n: count() }).from(articleRevisions).where(and(...filters)).get()?.n ?? 0
      if (cursor) filters.push(lt(articleRevisions.version, decodeCursor(cursor, '-version', ['number'])[0] as number))
      const rows = db.select({ version: articleRevisions.version, savedAt: articleRevisions.savedAt, savedBy: articleRevisions.savedBy, title: articleRevisions.title })
        .from(articleRevisions).where(and(...filters)).orderBy(desc(articleRevisions.version)).limit(limit + 1).all()
      const items = rows.slice(0, limit)
      const last = items.at(-1)
      return { items, nextCursor: rows.length > limit && last ? encodeCursor('-version', [last.version]) : null, total }
    },

    snapshot (articleId: string, version: number): Snapshot | undefined {
      const row = db.select({ snapshot: articleRevisions.snapshot }).from(articleRevisions)
        .where(and(eq(articleRevisions.articleId, articleId), eq(articleRevisions.version, version))).get()
      return row?.snapshot as Snapshot | undefined
    },

    /** One revision as the API shows it: the article as it was, with who saved it and when. */
    get (articleId: string, version: number) {
      const row = db.select().from(articleRevisions)
        .where(and(eq(articleRevisions.articleId, articleId), eq(articleRevisions.version, version))).get()
      if (!row) return undefined
      const { row: article, tags } = row.snapshot as Snapshot
      return {
        ...toArticle({ ...article, bodyHtml: htmlOf(articleId, version, article.body) }, tags, row.savedAt, publicUrl) as Article,
        savedAt: row.savedAt,
        savedBy: row.savedBy,
      }
    },
  }
}
