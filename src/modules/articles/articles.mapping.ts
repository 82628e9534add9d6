import type { ArticleRow } from '../../db/schema.js'
import { etagOf } from '../../lib/etag.js'
import type { Article } from './articles.schemas.js'
import { stateOf } from './articles.visibility.js'

export type TagRef = Article['tags'][number]
/** A row as lists read it: body and bodyHtml only with include=body. */
export type ListRow = Omit<ArticleRow, 'body' | 'bodyHtml'> & Partial<Pick<ArticleRow, 'body' | 'bodyHtml'>>

/** The API shape of a row at instant `at` (which decides draft/scheduled/published). */
export function toArticle (row: ListRow, tags: TagRef[], at: string, publicUrl: string) {
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    lead: row.lead,
    ...(row.body === undefined ? {} : { body: row.body, bodyHtml: row.bodyHtml }),
    status: stateOf(row, at),
    publishedAt: row.publishedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    version: row.version,
    lang: row.lang,
    author: row.author,
    coverImage: row.coverImageUrl ? { url: row.coverImageUrl, alt: row.coverImageAlt ?? '' } : null,
    tags,
    url: `${publicUrl}/v1/articles/slug/${row.slug}`,
  }
}

/**
 * Strong ETag of an article: its version, plus what can change without a new version (the derived
 * status when a scheduled time passes, the names of its tags).
 */
export function articleEtag (article: Pick<Article, 'id' | 'version' | 'status' | 'tags'>): string {
  return etagOf(article.id, article.version, article.status, ...article.tags.flatMap((t) => [t.slug, t.name]))
}
