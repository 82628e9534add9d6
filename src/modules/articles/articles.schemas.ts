import { z } from 'zod'
import { Cursor, Id, Limit, page, Slug, Timestamp } from '../../lib/schemas.js'
import { lookupText, text } from '../../lib/text.js'
import { ARTICLE_STATES } from '../../domain/visibility.js'

const ExternalCover = z.strictObject({
  // Stored as the WHATWG URL serializes it: never a raw quote, <, > or space for a frontend to trip on.
  url: z.url({ protocol: /^https?$/ }).max(2000).transform((value) => new URL(value).href)
    .describe('Absolute http(s) URL; stored normalised (percent-encoded where needed)'),
  alt: text({ max: 500 }).default(''),
})

const MediaCover = z.strictObject({
  mediaId: Id.describe('An image of the media library'),
  alt: text({ max: 500 }).optional().describe('The media’s own alt when absent'),
})

export const CoverImage = z.union([ExternalCover, MediaCover])
  .describe('An image elsewhere by URL, or one of the media library by id').meta({ id: 'CoverImage' })
export type CoverImageInput = z.infer<typeof CoverImage>

const ArticleTagRef = z.object({ id: Id, slug: z.string(), name: z.string() })

export const Article = z.object({
  id: Id,
  slug: z.string(),
  title: z.string(),
  lead: z.string().nullable(),
  body: z.string().describe('Markdown'),
  bodyHtml: z.string().describe('HTML rendered from body and sanitized'),
  status: z.enum(ARTICLE_STATES),
  publishedAt: Timestamp.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  version: z.number().int().min(1),
  lang: z.string(),
  author: z.string().nullable(),
  coverImage: z.object({
    url: z.string().describe('Absolute URL of the image'),
    alt: z.string(),
    mediaId: Id.optional().describe('Present for a cover from the media library, with its size and credit'),
    width: z.number().int().optional(),
    height: z.number().int().optional(),
    credit: z.string().nullable().optional(),
  }).nullable(),
  tags: z.array(ArticleTagRef),
  url: z.string().describe('Absolute URL of the article'),
}).meta({ id: 'Article' })
export type Article = z.infer<typeof Article>

/** A list item: the article without body and bodyHtml unless `include=body`. */
export const ArticleListItem = Article.extend({
  body: Article.shape.body.optional(),
  bodyHtml: Article.shape.bodyHtml.optional(),
}).meta({ id: 'ArticleListItem' })
export type ArticleListItem = z.infer<typeof ArticleListItem>

export const ArticlePage = page(ArticleListItem).meta({ id: 'ArticlePage' })

/** BCP 47, canonicalised: "RU" becomes "ru", "en-us" becomes "en-US". */
export const Lang = z.string().min(2).max(35).transform((value, ctx) => {
  try {
    const [canonical] = Intl.getCanonicalLocales(value)
    if (canonical) return canonical
  } catch {}
  ctx.addIssue({ code: 'custom', message: 'must be a BCP 47 language tag, e.g. ru or en-GB' })
  return z.NEVER
})

/** Any ISO 8601 date-time with an offset, stored as UTC with milliseconds. */
const Instant = z.iso.datetime({ offset: true }).transform((value) => new Date(value).toISOString())

const fields = {
  title: text({ min: 1, max: 300 }),
  slug: Slug,
  lead: text({ max: 1000, multiline: true }).nullable(),
  body: text({ max: 200_000, multiline: true, trim: false }),
  status: z.enum(['draft', 'published']).describe('A future publishedAt makes a published article "scheduled"'),
  publishedAt: Instant.nullable(),
  lang: Lang,
  author: text({ max: 200 }).nullable(),
  coverImage: CoverImage.nullable(),
  tags: z.array(text({ min: 1, max: 100 })).max(50).describe('Tag names or slugs; unknown names create tags'),
}

export const ArticleCreate = z.strictObject({
  ...fields,
  slug: fields.slug.optional().describe('Transliterated from the title when absent'),
  lead: fields.lead.optional(),
  body: fields.body.default(''),
  status: fields.status.default('draft'),
  publishedAt: fields.publishedAt.optional(),
  lang: fields.lang.default('ru'),
  author: fields.author.optional(),
  coverImage: fields.coverImage.optional(),
  tags: fields.tags.default([]),
}).meta({ id: 'ArticleCreate' })
export type ArticleCreate = z.infer<typeof ArticleCreate>

export const ArticlePatch = z.strictObject({
  title: fields.title.optional(),
  slug: fields.slug.optional(),
  lead: fields.lead.optional(),
  body: fields.body.optional(),
  status: fields.status.optional(),
  publishedAt: fields.publishedAt.optional(),
  lang: fields.lang.optional(),
  author: fields.author.optional(),
  coverImage: fields.coverImage.optional(),
  tags: fields.tags.optional(),
}).meta({ id: 'ArticlePatch' })
export type ArticlePatch = z.infer<typeof ArticlePatch>

export const ARTICLE_SORTS = ['-publishedAt', 'publishedAt', '-updatedAt', 'title'] as const

export const ArticleListQuery = z.strictObject({
  tag: lookupText({ min: 0, max: 1000 }).optional().describe('Comma-separated tag slugs; an article with any of them matches'),
  status: z.enum([...ARTICLE_STATES, 'all']).optional()
    .describe('viewer and up; default published. `all` is every state but deleted'),
  lang: Lang.optional(),
  publishedAfter: Instant.optional().describe('Only articles published strictly after this instant'),
  publishedBefore: Instant.optional().describe('Only articles published strictly before this instant'),
  sort: z.enum(ARTICLE_SORTS).default('-publishedAt'),
  limit: Limit,
  cursor: Cursor,
  include: z.enum(['body']).optional().describe('`body` adds body and bodyHtml to each item; such a page holds at most 20 items'),
})
export type ArticleListQuery = z.infer<typeof ArticleListQuery>

export const RevisionSummary = z.object({
  version: z.number().int().min(1),
  savedAt: Timestamp,
  savedBy: z.string().describe('The name of the token that saved it'),
  title: z.string(),
}).meta({ id: 'RevisionSummary' })

export type RevisionSummary = z.infer<typeof RevisionSummary>

export const RevisionPage = page(RevisionSummary).meta({ id: 'RevisionPage' })

export const Revision = Article.extend({
  savedAt: Timestamp,
  savedBy: z.string(),
}).meta({ id: 'Revision', description: 'The full article as it was at that version' })
export type Revision = z.infer<typeof Revision>

export const RevisionParams = z.strictObject({ id: Id, version: z.coerce.number().int().min(1).max(2 ** 31) })

export const RevisionListQuery = z.strictObject({ limit: Limit, cursor: Cursor })
