import type { Article, ArticleListItem } from '../modules/articles/articles.schemas.js'
import type { ArticleSummaryRecord, TagRef } from './records.js'
import { stateOf } from './visibility.js'

/** An article as the stores return it: everything but its URL, which the response adds from CMS_PUBLIC_URL. */
export type ArticleData = Omit<Article, 'url'>
export type ArticleListData = Omit<ArticleListItem, 'url'>

/** The path of a media's file, made absolute where the response is built (withUrl). */
export const mediaFilePath = (id: string) => `/v1/media/${id}/file`

function coverOf (row: ArticleSummaryRecord): ArticleData['coverImage'] {
  if (row.coverMediaId && row.coverMedia) {
    const { width, height, credit } = row.coverMedia
    return { mediaId: row.coverMediaId, url: mediaFilePath(row.coverMediaId), alt: row.coverImageAlt ?? '', width, height, credit }
  }
  return row.coverImageUrl ? { url: row.coverImageUrl, alt: row.coverImageAlt ?? '' } : null
}

/** The API shape of a record at instant `at` (which decides draft/scheduled/published). */
export function toArticle (row: ArticleSummaryRecord & Pick<Article, 'body' | 'bodyHtml'>, tags: TagRef[], at: string): ArticleData
export function toArticle (row: ArticleSummaryRecord, tags: TagRef[], at: string): ArticleListData
export function toArticle (row: ArticleSummaryRecord, tags: TagRef[], at: string): ArticleListData {
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
    coverImage: coverOf(row),
    tags,
  }
}
