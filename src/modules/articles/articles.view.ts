import { etagOf } from '../../lib/etag.js'
import type { Article } from './articles.schemas.js'

/** An article's absolute URL, from CMS_PUBLIC_URL: added where the response is built, never stored. */
export function articleUrl (publicUrl: string, slug: string): string {
  return `${publicUrl}/v1/articles/slug/${slug}`
}

/** The article with its absolute URL, and its cover's when the cover is a file of the media library. */
export function withUrl<T extends { slug: string, coverImage?: { url: string } | null }> (item: T, publicUrl: string): T & { url: string } {
  const cover = item.coverImage
  return {
    ...item,
    ...(cover?.url.startsWith('/') ? { coverImage: { ...cover, url: publicUrl + cover.url } } : {}),
    url: articleUrl(publicUrl, item.slug),
  }
}

/**
 * Strong ETag of an article: its version, plus what can change without a new version (the derived
 * status when a scheduled time passes, the names of its tags, the alt and credit of its media cover).
 */
export function articleEtag (article: Pick<Article, 'id' | 'version' | 'status' | 'tags' | 'coverImage'>): string {
  const cover = article.coverImage
  return etagOf(article.id, article.version, article.status, ...article.tags.flatMap((t) => [t.slug, t.name]),
    ...(cover?.mediaId ? [cover.alt, cover.credit ?? ''] : []))
}
