import { and, eq, ne, or, sql } from 'drizzle-orm'
import { pickSlug } from '../../domain/slugs.js'
import { ConflictError } from '../../lib/errors.js'
import { articles, articleSlugs } from './schema.js'
import { insertRow, prepared, type Tx } from './unit-of-work.js'

// An article's current slug and its former ones (which redirect to it) share one namespace.

function slugTaken (tx: Tx, slug: string, exceptId = ''): boolean {
  return tx.select({ id: articles.id }).from(articles).where(and(eq(articles.slug, slug), ne(articles.id, exceptId))).get() !== undefined ||
    tx.select({ id: articleSlugs.articleId }).from(articleSlugs).where(and(eq(articleSlugs.slug, slug), ne(articleSlugs.articleId, exceptId))).get() !== undefined
}

/** The first free slug of base, base-2, base-3…: the taken ones near it read in one query, not probed one by one. */
export function generatedSlug (tx: Tx, base: string): string {
  // Every slug that is base itself or starts with "base-", current or former: one range of each index.
  const near = (column: typeof articles.slug | typeof articleSlugs.slug) =>
    or(eq(column, sql.placeholder('base')), and(sql`${column} >= ${sql.placeholder('from')}`, sql`${column} < ${sql.placeholder('to')}`))
  const query = prepared(tx, 'slugs near', (db) => db.select({ slug: articles.slug }).from(articles).where(near(articles.slug))
    .union(db.select({ slug: articleSlugs.slug }).from(articleSlugs).where(near(articleSlugs.slug))).prepare())
  const taken = query.all({ base, from: `${base}-`, to: `${base}.` })
  return pickSlug(base, new Set(taken.map((row) => row.slug)), (slug) => slugTaken(tx, slug))
}

export function assertSlugFree (tx: Tx, slug: string, exceptId?: string): void {
  if (slugTaken(tx, slug, exceptId)) throw new ConflictError(`The slug "${slug}" is taken`, 'SLUG_TAKEN')
}

/** The article leaves `from` for `to`: the former slug keeps redirecting; a slug it takes back stops being a redirect. */
export function moveSlug (tx: Tx, articleId: string, from: string, to: string, at: string): void {
  tx.delete(articleSlugs).where(eq(articleSlugs.slug, to)).run()
  insertRow(tx, articleSlugs, { slug: from, articleId, retiredAt: at })
}
