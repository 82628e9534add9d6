import { z } from 'zod'
import { Cursor, Id, Limit, Timestamp } from '../../lib/schemas.js'
import { Lang } from '../articles/articles.schemas.js'

export const FeedQuery = z.strictObject({
  limit: Limit,
  cursor: Cursor,
  tag: z.string().max(1000).optional().describe('Comma-separated tag slugs; an article with any of them matches'),
  lang: Lang.optional(),
  since: z.iso.datetime({ offset: true }).transform((v) => new Date(v).toISOString()).optional()
    .describe('Only articles published strictly after this instant (for polling)'),
})
export type FeedQuery = z.infer<typeof FeedQuery>

export const FeedItem = z.object({
  id: Id,
  slug: z.string(),
  title: z.string(),
  lead: z.string().nullable(),
  publishedAt: Timestamp,
  updatedAt: Timestamp,
  lang: z.string(),
  tags: z.array(z.object({ slug: z.string(), name: z.string() })),
  url: z.string(),
}).meta({ id: 'FeedItem' })
export type FeedItem = z.infer<typeof FeedItem>

export const FeedPage = z.object({
  data: z.array(FeedItem),
  meta: z.object({ limit: z.number().int(), nextCursor: z.string().nullable() }),
}).meta({ id: 'FeedPage' })

const Author = z.object({ name: z.string() })

export const JsonFeed = z.object({
  version: z.literal('https://jsonfeed.org/version/1.1'),
  title: z.string(),
  home_page_url: z.string(),
  feed_url: z.string(),
  next_url: z.string().optional(),
  description: z.string(),
  authors: z.array(Author),
  language: z.string(),
  items: z.array(z.object({
    id: z.string().describe('urn:uuid: from the article id; never changes'),
    url: z.string(),
    title: z.string(),
    summary: z.string().optional(),
    content_text: z.string(),
    date_published: z.string(),
    date_modified: z.string(),
    authors: z.array(Author).optional(),
    image: z.string().optional().describe('The cover from the media library'),
    tags: z.array(z.string()),
    language: z.string(),
  })),
}).meta({ id: 'JsonFeed', description: 'JSON Feed 1.1' })
export type JsonFeed = z.infer<typeof JsonFeed>
