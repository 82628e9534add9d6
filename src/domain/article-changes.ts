import { renderMarkdown } from '../lib/markdown.js'
import { nameKey } from '../lib/slugs.js'
import type { ArticleCreate, ArticlePatch } from '../modules/articles/articles.schemas.js'
import type { ArticleRecord, TagRef } from './records.js'

/** A new article's first version, under the id and slug the store chose. */
export function newArticle (input: ArticleCreate, id: string, slug: string, at: string): ArticleRecord {
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
    coverImageUrl: input.coverImage?.url ?? null,
    coverImageAlt: input.coverImage?.alt ?? null,
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
export function planPatch (current: ArticleRecord, patch: ArticlePatch, at: string): Partial<ArticleRecord> {
  const changes: Partial<ArticleRecord> = {}
  const set = <K extends keyof ArticleRecord>(key: K, value: ArticleRecord[K]) => {
    if (value !== current[key]) changes[key] = value
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
  if (patch.coverImage !== undefined) {
    set('coverImageUrl', patch.coverImage?.url ?? null)
    set('coverImageAlt', patch.coverImage?.alt ?? null)
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
