import { and, eq, ne, or, sql } from 'drizzle-orm'
import { pickSlug } from '../../domain/slugs.js'
import { ConflictError } from '../../lib/errors.js'
import { articles, articleSlugs } from './schema.js'
import { first, type Tx } from './unit-of-work.js'

// An article's current slug and its former ones (which redirect to it) share one namespace.

async function slugTaken (tx: Tx, slug: string, exceptId = ''): Promise<boolean> {
  return await first(tx.select({ id: articles.id }).from(articles).where(and(eq(articles.slug, slug), ne(articles.id, exceptId)))) !== undefined ||
    await first(tx.select({ id: articleSlugs.articleId }).from(articleSlugs).where(and(eq(articleSlugs.slug, slug), ne(articleSlugs.articleId, exceptId)))) !== undefined
}

/** The first free slug of base, base-2, base-3…: the taken ones near it read in one query, not probed one by one. */
export async function generatedSlug (tx: Tx, base: string): Promise<string> {
  const near = (column: typeof articles.slug | typeof articleSlugs.slug) =>
    or(eq(column, base), and(sql`${column} >= ${`${base}-`}`, sql`${column} < ${`${base}.`}`))
  const taken = await tx.select({ slug: articles.slug }).from(articles).where(near(articles.slug))
    .union(tx.select({ slug: articleSlugs.slug }).from(articleSlugs).where(near(articleSlugs.slug)))
  // A candidate shortened to fit the length limit falls outside that range: probed on its own, and
  // when taken, the next candidate is picked with it counted as taken too.
  const outside = new Set<string>()
  for (;;) {
    const free = pickSlug(base, new Set(taken.map((row) => row.slug)), (slug) => outside.has(slug))
    if (free.startsWith(base) || !await slugTaken(tx, free)) return free
    outside.add(free)
  }
}

export async function assertSlugFree (tx: Tx, slug: string, exceptId?: string): Promise<void> {
  if (await slugTaken(tx, slug, exceptId)) throw new ConflictError(`The slug "${slug}" is taken`, 'SLUG_TAKEN')
}

/** The article leaves `from` for `to`: the former slug keeps redirecting; a slug it takes back stops being a redirect. */
export async function moveSlug (tx: Tx, articleId: string, from: string, to: string, at: string): Promise<void> {
  await tx.delete(articleSlugs).where(eq(articleSlugs.slug, to))
  await tx.insert(articleSlugs).values({ slug: from, articleId, retiredAt: at })
}
