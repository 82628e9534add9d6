import { ValidationError } from '../lib/errors.js'
import { renderMarkdown } from '../lib/markdown.js'
import { nameKey } from '../lib/slugs.js'
import type { ArticleCreate, ArticlePatch, CoverImageInput } from '../modules/articles/articles.schemas.js'
import type { ArticleRecord, MediaRecord, TagRef } from './records.js'

/** A cover as a record keeps it: an external URL, or an image of the media library with the facts it shows. */
export type CoverFields = Pick<ArticleRecord, 'coverImageUrl' | 'coverImageAlt' | 'coverMediaId' | 'coverMedia'>

/** The media id a cover asks for, if it asks for one: the store looks it up in the write's unit of work. */
export const coverMediaId = (cover: CoverImageInput | null | undefined): string | undefined =>
  cover && 'mediaId' in cover ? cover.mediaId : undefined

/** The record's cover fields for a requested cover; `media` is what coverMediaId named (undefined when unknown: 400). */
export function coverFields (cover: CoverImageInput | null | undefined, media: MediaRecord | undefined): CoverFields {
  if (!cover) return { coverImageUrl: null, coverImageAlt: null, coverMediaId: null, coverMedia: null }
  if ('url' in cover) return { coverImageUrl: cover.url, coverImageAlt: cover.alt, coverMediaId: null, coverMedia: null }
  if (!media) throw new ValidationError([{ path: 'coverImage.mediaId', message: 'no media with this id' }])
  return {
    coverImageUrl: null,
    coverImageAlt: cover.alt ?? media.alt,
    coverMediaId: media.id,
    coverMedia: { width: media.width, height: media.height, credit: media.credit },
  }
}

/** A new article's first version, under the id and slug the store chose. */
export function newArticle (input: ArticleCreate, id: string, slug: string, at: string, cover: CoverFields): ArticleRecord {
  return {
    id,
    slug,
    title: input.title,
    titleKey: nameKey(input.title),
    lead: input.lead ?? null,
    body: input.body,
    bodyHtml: renderMarkdown(input.body),
    status: input.status,
    // Published without a date means published now.
    publishedAt: input.publishedAt ?? (input.status === 'published' ? at : null),
    deletedAt: null,
    lang: input.lang,
    author: input.author ?? null,
    ...cover,
    version: 1,
    createdAt: at,
    updatedAt: at,
  }
}

/**
 * What a patch changes in the record: only the fields whose value differs (an empty object when
 * nothing does, which makes no new version). A new slug is among them; the store checks it is free
 * and keeps the current one as a redirect.
 */
export function planPatch (current: ArticleRecord, patch: ArticlePatch, at: string, cover: CoverFields | undefined): Partial<ArticleRecord> {
  const changes: Partial<ArticleRecord> = {}
  const set = <K extends keyof ArticleRecord>(key: K, value: ArticleRecord[K]) => {
    if (key === 'coverMedia' ? JSON.stringify(value) !== JSON.stringify(current[key]) : value !== current[key]) changes[key] = value
  }
  if (patch.title !== undefined) {
    set('title', patch.title)
    set('titleKey', nameKey(patch.title))
  }
  if (patch.slug !== undefined) set('slug', patch.slug)
  if (patch.lead !== undefined) set('lead', patch.lead)
  if (patch.body !== undefined) {
    set('body', patch.body)
    if (changes.body !== undefined) set('bodyHtml', renderMarkdown(patch.body))
  }
  if (patch.status !== undefined) set('status', patch.status)
  if (patch.publishedAt !== undefined) set('publishedAt', patch.publishedAt)
  // Published without a date means published now.
  if ((changes.status ?? current.status) === 'published' && (changes.publishedAt ?? current.publishedAt) === null) {
    set('publishedAt', at)
  }
  if (patch.lang !== undefined) set('lang', patch.lang)
  if (patch.author !== undefined) set('author', patch.author)
  if (cover) {
    for (const key of ['coverImageUrl', 'coverImageAlt', 'coverMediaId', 'coverMedia'] as const) set(key, cover[key])
  }
  return changes
}

/** The record a write makes: the changes applied, the version bumped. */
export function nextVersion (current: ArticleRecord, changes: Partial<ArticleRecord>, at: string): ArticleRecord {
  return { ...current, ...changes, version: current.version + 1, updatedAt: at }
}

/** True when the tags are the same ones in the same order: relinking them would change nothing. */
export function sameTags (before: TagRef[], after: TagRef[]): boolean {
  return before.length === after.length && before.every((tag, i) => tag.id === after[i]!.id)
}
