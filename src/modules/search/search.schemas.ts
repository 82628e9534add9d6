import { z } from 'zod'
import { Cursor, Limit } from '../../lib/schemas.js'
import { lookupText, text } from '../../lib/text.js'
import { Lang } from '../articles/articles.schemas.js'
import { FeedItem } from '../feed/feed.schemas.js'

export const SearchQuery = z.strictObject({
  q: text({ min: 1, max: 500 }).describe('Words to find in any inflection; "quoted words" as a phrase'),
  lang: Lang.optional(),
  tag: lookupText({ min: 0, max: 1000 }).optional().describe('Comma-separated tag slugs; an article with any of them matches'),
  status: z.enum(['draft', 'scheduled', 'published', 'deleted', 'all']).optional().describe('viewer and up; default published'),
  limit: Limit,
  cursor: Cursor,
})
export type SearchQuery = z.infer<typeof SearchQuery>

export const SearchHit = FeedItem.extend({
  publishedAt: FeedItem.shape.publishedAt.nullable(),
  score: z.number().describe('Relevance, higher is better'),
  snippet: z.string().describe('HTML-escaped excerpt with the matched words in <mark>'),
}).meta({ id: 'SearchHit' })
export type SearchHit = z.infer<typeof SearchHit>

export const SearchPage = z.object({
  data: z.array(SearchHit),
  meta: z.object({
    limit: z.number().int(),
    nextCursor: z.string().nullable(),
    total: z.number().int().describe('How many results the pages hold: the matches, up to the 1,000 newest'),
  }),
}).meta({ id: 'SearchPage' })
