import { count, eq, gt, sql } from 'drizzle-orm'
import type { ArticleRecord } from '../../domain/records.js'
import { searchDocument, type Indexed } from '../../domain/search-document.js'
import { lexeme } from '../../lib/search-query.js'
import type { PgDb } from './client.js'
import { articles, searchDocs } from './schema.js'
import { first, unitOfWork, type Tx } from './unit-of-work.js'

// Keeps search_docs in step with articles, in the write's unit of work.

/** PostgreSQL's limits: positions above 16,383 are stored as 16,383, and a lexeme keeps 256 of them. */
const MAX_POSITION = 16_383
const MAX_POSITIONS = 256

/**
 * The weighted tsvector of an article's stems, written as a tsvector literal: the lexemes are our own
 * JavaScript Snowball stems, taken as they are (no PostgreSQL dictionary touches them), with their
 * positions, so phrases match as in SQLite. Title A, lead B, body D; fields do not run into each other.
 */
export function tsvectorOf (fields: Array<{ stems: string, weight: 'A' | 'B' | 'D' }>): string {
  const positions = new Map<string, string[]>()
  let position = 0
  for (const { stems, weight } of fields) {
    for (const stem of stems.split(' ')) {
      if (stem === '') continue
      position = Math.min(position + 1, MAX_POSITION)
      let list = positions.get(stem)
      if (!list) positions.set(stem, (list = []))
      if (list.length < MAX_POSITIONS) list.push(`${position}${weight}`)
    }
    position = Math.min(position + 1, MAX_POSITION)
  }
  return [...positions].map(([stem, list]) => `${lexeme(stem)}:${[...new Set(list)].join(',')}`).join(' ')
}

export async function removeFromIndex (tx: Tx, articleId: string): Promise<void> {
  await tx.delete(searchDocs).where(eq(searchDocs.articleId, articleId))
}

/** (Re-)indexes an article under its publication key (domain/search-document.ts). */
export async function indexArticle (tx: Tx, row: Indexed): Promise<void> {
  const doc = searchDocument(row)
  const document = tsvectorOf([{ stems: doc.title, weight: 'A' }, { stems: doc.lead, weight: 'B' }, { stems: doc.body, weight: 'D' }])
  const values = { articleId: doc.articleId, key: doc.key, document, excerpt: doc.excerpt, updatedAt: doc.updatedAt, lang: doc.lang }
  await tx.insert(searchDocs).values(values).onConflictDoUpdate({ target: searchDocs.articleId, set: values })
}

/** Keeps the index's copies of a record's updated_at and lang current, for writes that change no text. */
export async function touchIndexed (tx: Tx, row: Pick<ArticleRecord, 'id' | 'updatedAt' | 'lang'>): Promise<void> {
  await tx.update(searchDocs).set({ updatedAt: row.updatedAt, lang: row.lang }).where(eq(searchDocs.articleId, row.id))
}

export async function indexIsComplete (db: PgDb): Promise<boolean> {
  const [indexed, all] = await Promise.all([
    first(db.select({ n: count() }).from(searchDocs)),
    first(db.select({ n: count() }).from(articles)),
  ])
  return indexed?.n === all?.n
}

/** Rebuilds the whole index from the articles, as one unit of work; resolves to how many it indexed. */
export async function rebuildIndex (db: PgDb): Promise<number> {
  const total = await unitOfWork(db, async (tx) => {
    await tx.execute(sql`DELETE FROM search_docs`)
    let indexed = 0
    let after = ''
    // In chunks by id, so a million articles never sit in memory at once.
    for (;;) {
      const chunk = await tx.select({ id: articles.id, title: articles.title, lead: articles.lead, bodyHtml: articles.bodyHtml, publishedAt: articles.publishedAt, updatedAt: articles.updatedAt, lang: articles.lang })
        .from(articles).where(gt(articles.id, after)).orderBy(articles.id).limit(1000)
      if (chunk.length === 0) return indexed
      for (const row of chunk) await indexArticle(tx, row)
      indexed += chunk.length
      after = chunk.at(-1)!.id
    }
  })
  // Every row is new: the planner's statistics of the old ones would mislead it (see copy.ts).
  await db.execute(sql`ANALYZE search_docs`)
  return total
}
