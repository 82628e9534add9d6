import { and, count, countDistinct, eq, gt, inArray, lt, lte, sql, type Placeholder, type SQL } from 'drizzle-orm'
import type { TagRef } from '../../domain/records.js'
import { tagPlaceholders } from '../list-shape.js'
import { tagsByArticle } from '../shapes.js'
import type { Db } from './client.js'
import { articleTags, tags } from './schema.js'
import { insertRow, prepared, type Tx } from './unit-of-work.js'

export type TagLoader = (articleIds: string[]) => Map<string, TagRef[]>

const tagRefsOf = (db: Tx) => db.select({ articleId: articleTags.articleId, id: tags.id, slug: tags.slug, name: tags.name })
  .from(articleTags).innerJoin(tags, eq(tags.id, articleTags.tagId))

/** The tags of several articles in one prepared query (ids passed as a JSON array), in the order their editors gave. */
export function createTagLoader (db: Db): TagLoader {
  // One article (every single read) by plain equality: half the cost of going through json_each.
  const ofOne = tagRefsOf(db).where(eq(articleTags.articleId, sql.placeholder('id'))).orderBy(articleTags.position).prepare()
  const ofMany = tagRefsOf(db).where(sql`${articleTags.articleId} IN (SELECT value FROM json_each(${sql.placeholder('ids')}))`)
    .orderBy(articleTags.articleId, articleTags.position).prepare()
  return (articleIds) => {
    if (articleIds.length === 0) return new Map()
    return tagsByArticle(articleIds.length === 1 ? ofOne.all({ id: articleIds[0] }) : ofMany.all({ ids: JSON.stringify(articleIds) }))
  }
}

/** The tags of one article, read in a unit of work. */
export function tagsOfArticle (tx: Tx, articleId: string): TagRef[] {
  const query = prepared(tx, 'tags of article', (db) => tagRefsOf(db).where(eq(articleTags.articleId, sql.placeholder('id'))).orderBy(articleTags.position).prepare())
  return tagsByArticle(query.all({ id: articleId })).get(articleId) ?? []
}

/** Links exactly these tags to the article, in this order. */
export function linkTags (tx: Tx, articleId: string, refs: TagRef[]): void {
  prepared(tx, 'unlink tags', (db) => db.delete(articleTags).where(eq(articleTags.articleId, sql.placeholder('id'))).prepare()).run({ id: articleId })
  refs.forEach((tag, position) => insertRow(tx, articleTags, { articleId, tagId: tag.id, position }))
}

export interface TagFilter {
  tagIds: string[]
  /** Articles carrying any of the tags. */
  where: SQL
}

/**
 * Articles carrying any of the tags (their ids, or placeholders for them). Written as EXISTS so SQLite
 * walks the ordered publication index and probes each row's tags, instead of collecting every tagged
 * article and sorting them.
 */
export function taggedWith (tagIds: Array<string | Placeholder>): SQL {
  return sql`EXISTS (SELECT 1 FROM article_tags WHERE article_tags.article_id = articles.id AND article_tags.tag_id IN ${tagIds})`
}

/** A filter for articles carrying any of the tag slugs; null when no such tag exists. */
export function taggedWithAny (db: Db, tagList: string): TagFilter | null {
  const slugs = [...new Set(tagList.split(',').map((s) => s.trim()).filter(Boolean))]
  const tagIds = slugs.length === 0 ? [] : db.select({ id: tags.id }).from(tags).where(inArray(tags.slug, slugs)).all().map((t) => t.id)
  if (tagIds.length === 0) return null
  return { tagIds, where: taggedWith(tagIds) }
}

/**
 * How many articles carrying any of `tags` tag ids are published at `at` (and, if asked, published
 * after/before), from article_tags' copy of each live article's date: one index range per tag.
 * Prepared once for a shape; run with { at, after, before, tag0… }.
 */
export function preparePublishedTaggedCount (db: Db, tags: number, { after, before }: { after: boolean, before: boolean }) {
  const range = [lte(articleTags.livePublishedAt, sql.placeholder('at'))]
  if (after) range.push(gt(articleTags.livePublishedAt, sql.placeholder('after')))
  if (before) range.push(lt(articleTags.livePublishedAt, sql.placeholder('before')))
  // An article with two of the tags counts once; with one tag there is nothing to deduplicate.
  const counted = tags === 1 ? count() : countDistinct(articleTags.articleId)
  return db.select({ n: counted }).from(articleTags).where(and(inArray(articleTags.tagId, tagPlaceholders(tags)), ...range)).prepare()
}
