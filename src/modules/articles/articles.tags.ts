import { eq, inArray } from 'drizzle-orm'
import type { Db } from '../../db/client.js'
import { articleTags, tags } from '../../db/schema.js'
import type { TagRef } from './articles.mapping.js'

/** The tags of several articles in one query, in the order their editors gave. */
export function loadTags (db: Db, articleIds: string[]): Map<string, TagRef[]> {
  const byArticle = new Map<string, TagRef[]>()
  if (articleIds.length === 0) return byArticle
  const rows = db.select({ articleId: articleTags.articleId, id: tags.id, slug: tags.slug, name: tags.name })
    .from(articleTags).innerJoin(tags, eq(tags.id, articleTags.tagId))
    .where(inArray(articleTags.articleId, articleIds))
    .orderBy(articleTags.articleId, articleTags.position).all()
  for (const { articleId, ...tag } of rows) {
    const list = byArticle.get(articleId)
    if (list) list.push(tag)
    else byArticle.set(articleId, [tag])
  }
  return byArticle
}

/** The ids of articles carrying any of the tag slugs, as a subquery; null when no such tag exists. */
export function taggedWithAny (db: Db, tagList: string) {
  const slugs = [...new Set(tagList.split(',').map((s) => s.trim()).filter(Boolean))]
  const tagIds = slugs.length === 0 ? [] : db.select({ id: tags.id }).from(tags).where(inArray(tags.slug, slugs)).all().map((t) => t.id)
  if (tagIds.length === 0) return null
  return db.select({ id: articleTags.articleId }).from(articleTags).where(inArray(articleTags.tagId, tagIds))
}
