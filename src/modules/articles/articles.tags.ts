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

/**
 * A condition for articles carrying any of the tag slugs; null when no such tag exists. Written as
 * EXISTS so SQLite walks the ordered publication index and probes each row's tags, instead of
 * collecting every tagged article and sorting them.
 */
export function taggedWithAny (db: Db, tagList: string): SQL | null {
  const slugs = [...new Set(tagList.split(',').map((s) => s.trim()).filter(Boolean))]
  const tagIds = slugs.length === 0 ? [] : db.select({ id: tags.id }).from(tags).where(inArray(tags.slug, slugs)).all().map((t) => t.id)
  if (tagIds.length === 0) return null
  return sql`EXISTS (SELECT 1 FROM article_tags WHERE article_tags.article_id = articles.id AND article_tags.tag_id IN ${tagIds})`
}
