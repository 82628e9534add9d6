import type { ArticlePatch } from '../modules/articles/articles.schemas.js'
import type { ArticleRecord, TagRef } from './records.js'

/** What a revision keeps: the record without its rendered HTML (rendered again on read), and its tags as they were. */
export interface RevisionSnapshot {
  row: Omit<ArticleRecord, 'bodyHtml'>
  tags: TagRef[]
}

export function snapshotOf ({ bodyHtml: _html, ...row }: ArticleRecord, tags: TagRef[]): RevisionSnapshot {
  return { row, tags }
}

/**
 * What restoring a revision brings back: its content. Status, publishedAt and slug stay as they are
 * now (restoring v1 of a live story must not unpublish it).
 */
export function restoredContent ({ row, tags }: RevisionSnapshot): ArticlePatch {
  return {
    title: row.title,
    lead: row.lead,
    body: row.body,
    lang: row.lang,
    author: row.author,
    coverImage: row.coverMediaId
      ? { mediaId: row.coverMediaId, alt: row.coverImageAlt ?? '' }
      : row.coverImageUrl ? { url: row.coverImageUrl, alt: row.coverImageAlt ?? '' } : null,
    tags: tags.map((t) => t.slug),
  }
}
