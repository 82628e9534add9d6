import { eq, inArray, sql, type SQL } from 'drizzle-orm'
import type { Db } from '../../db/client.js'
import { articleTags, tags } from '../../db/schema.js'
import type { TagRef } from './articles.mapping.js'

export type TagLoader = (articleIds: string[]) => Map<string, TagRef[]>

/** The tags of several articles in one prepared query (ids passed as a JSON array), in the order their editors gave. */
export function createTagLoader (db: Db): TagLoader {
  const select = () => db.select({ articleId: articleTags.articleId, id: tags.id, slug: tags.slug, name: tags.name })
    .from(articleTags).innerJoin(tags, eq(tags.id, articleTags.tagId))
  // One article (every single read) by plain equality: half the cost of going through json_each.
  const ofOne = select().where(eq(articleTags.articleId, sql.placeholder('id'))).orderBy(articleTags.position).prepare()
  const ofMany = select().where(sql`${articleTags.articleId} IN (SELECT value FROM json_each(${sql.placeholder('ids')}))`)
    .orderBy(articleTags.articleId, articleTags.position).prepare()
  return (articleIds) => {
    const byArticle = new Map<string, TagRef[]>()
    if (articleIds.length === 0) return byArticle
    const rows = articleIds.length === 1 ? ofOne.all({ id: articleIds[0] }) : ofMany.all({ ids: JSON.stringify(articleIds) })
    for (const { articleId, ...tag } of rows) {
      const list = byArticle.get(articleId)
      if (list) list.push(tag)
      else byArticle.set(articleId, [tag])
    }
    return byArticle
  }
}

export interface TagFilter {
  tagIds: string[]
  /** Articles carrying any of the tags. */
  where: SQL
}

/**
 * A filter for articles carrying any of the tag slugs; null when no such tag exists. Written as
 * EXISTS so SQLite walks the ordered publication index and probes each row's tags, instead of
 * collecting every tagged article and sorting them.
 */
export function taggedWithAny (db: Db, tagList: string): TagFilter | null {
  const slugs = [...new Set(tagList.split(',').map((s) => s.trim()).filter(Boolean))]
  const tagIds = slugs.length === 0 ? [] : db.select({ id: tags.id }).from(tags).where(inArray(tags.slug, slugs)).all().map((t) => t.id)
  if (tagIds.length === 0) return null
  return { tagIds, where: sql`EXISTS (SELECT 1 FROM article_tags WHERE article_tags.article_id = articles.id AND article_tags.tag_id IN ${tagIds})` }
}

/**
 * How many articles carrying any of the tags are published at `at` (and, if given, published
 * after/before), from article_tags' copy of each live article's date: one index range per tag.
 */
export function countPublishedTagged (db: Db, tagIds: string[], at: string, after?: string, before?: string): number {
  const range = [sql`${articleTags.livePublishedAt} <= ${at}`]
  if (after) range.push(sql`${articleTags.livePublishedAt} > ${after}`)
  if (before) range.push(sql`${articleTags.livePublishedAt} < ${before}`)
  // An article with two of the tags counts once; with one tag there is nothing to deduplicate.
  const counted = tagIds.length === 1 ? sql`count(*)` : sql`count(DISTINCT ${articleTags.articleId})`
  return db.get<{ n: number }>(sql`SELECT ${counted} AS n FROM ${articleTags}
    WHERE ${articleTags.tagId} IN ${tagIds} AND ${sql.join(range, sql` AND `)}`).n
}
