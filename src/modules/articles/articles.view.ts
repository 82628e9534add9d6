import { etagOf } from '../../lib/etag.js'
import type { Article } from './articles.schemas.js'

/** An article's absolute URL, from CMS_PUBLIC_URL: added where the response is built, never stored. */
export function articleUrl (publicUrl: string, slug: string): string {
  return `${publicUrl}/v1/articles/slug/${slug}`
}

export function withUrl<T extends { slug: string }> (item: T, publicUrl: string): T & { url: string } {
  return { ...item, url: articleUrl(publicUrl, item.slug) }
}

/**
 * Strong ETag of an article: its version, plus what can change without a new version (the derived
 * status when a scheduled time passes, the names of its tags).
 */
export function articleEtag (article: Pick<Article, 'id' | 'version' | 'status' | 'tags'>): string {
  return etagOf(article.id, article.version, article.status, ...article.tags.flatMap((t) => [t.slug, t.name]))
}
