import { and, eq, gt, inArray, lt, lte, sql, type Placeholder, type SQL } from 'drizzle-orm'
import type { TagRef } from '../../domain/records.js'
import { tagPlaceholders } from '../list-shape.js'
import { tagsByArticle } from '../shapes.js'
import type { PgDb, Queryable } from './client.js'
import { articleTags, tags } from './schema.js'
import type { Tx } from './unit-of-work.js'

export type TagLoader = (articleIds: string[]) => Promise<Map<string, TagRef[]>>

const tagRefsOf = (db: Queryable) => db.select({ articleId: articleTags.articleId, id: tags.id, slug: tags.slug, name: tags.name })
  .from(articleTags).innerJoin(tags, eq(tags.id, articleTags.tagId))

/** The tags of several articles in one query, in the order their editors gave. */
export function createTagLoader (db: Queryable): TagLoader {
  return async (articleIds) => {
    if (articleIds.length === 0) return new Map()
    const where = articleIds.length === 1 ? eq(articleTags.articleId, articleIds[0]!) : inArray(articleTags.articleId, articleIds)
    return tagsByArticle(await tagRefsOf(db).where(where).orderBy(articleTags.articleId, articleTags.position))
  }
}

/** The tags of one article, read in a unit of work. */
export async function tagsOfArticle (tx: Tx, articleId: string): Promise<TagRef[]> {
  const rows = await tagRefsOf(tx).where(eq(articleTags.articleId, articleId)).orderBy(articleTags.position)
  return tagsByArticle(rows).get(articleId) ?? []
}

/** Links exactly these tags to the article, in this order. */
export async function linkTags (tx: Tx, articleId: string, refs: TagRef[]): Promise<void> {
  await tx.delete(articleTags).where(eq(articleTags.articleId, articleId))
  if (refs.length > 0) await tx.insert(articleTags).values(refs.map((tag, position) => ({ articleId, tagId: tag.id, position })))
}

export interface TagFilter {
  tagIds: string[]
  /** Articles carrying any of the tags. */
  where: SQL
}

/** Articles carrying any of the tags (their ids, or placeholders for them). */
export function taggedWith (tagIds: Array<string | Placeholder>): SQL {
  return sql`EXISTS (SELECT 1 FROM article_tags WHERE article_tags.article_id = articles.id AND ${inArray(articleTags.tagId, tagIds)})`
}

/** A filter for articles carrying any of the tag slugs; null when no such tag exists. */
export async function taggedWithAny (db: Queryable, tagList: string): Promise<TagFilter | null> {
  const slugs = [...new Set(tagList.split(',').map((s) => s.trim()).filter(Boolean))]
  const tagIds = slugs.length === 0 ? [] : (await db.select({ id: tags.id }).from(tags).where(inArray(tags.slug, slugs))).map((t) => t.id)
  if (tagIds.length === 0) return null
  return { tagIds, where: taggedWith(tagIds) }
}

/**
 * How many articles carrying any of `tags` tag ids (placeholders tag0…) are published at `at` (and
 * after/before, when the shape has them), from article_tags' copy of each live article's date.
 */
export function preparePublishedTaggedCount (db: PgDb, tags: number, { after, before }: { after: boolean, before: boolean }) {
  const range = [lte(articleTags.livePublishedAt, sql.placeholder('at'))]
  if (after) range.push(gt(articleTags.livePublishedAt, sql.placeholder('after')))
  if (before) range.push(lt(articleTags.livePublishedAt, sql.placeholder('before')))
  // An article with two of the tags counts once; with one tag there is nothing to deduplicate.
  const counted = tags === 1 ? sql<number>`count(*)::int` : sql<number>`count(DISTINCT ${articleTags.articleId})::int`
  return db.select({ n: counted }).from(articleTags).where(and(inArray(articleTags.tagId, tagPlaceholders(tags)), ...range)).prepare('published_tagged_count')
}
