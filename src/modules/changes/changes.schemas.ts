import { z } from 'zod'
import { Cursor, Id, Timestamp } from '../../lib/schemas.js'
import { Article } from '../articles/articles.schemas.js'
import { Media } from '../media/media.schemas.js'
import { Tag } from '../tags/tags.schemas.js'

export const ChangesQuery = z.strictObject({
  cursor: Cursor.describe('meta.nextCursor of the last page; absent, the sync starts with everything the caller can read'),
  limit: z.coerce.number().int().min(1).max(100).default(100).describe('Items per page, 1–100'),
  wait: z.coerce.number().int().min(0).max(30).default(0).describe('Seconds to hold the request while nothing is new (long polling)'),
})
export type ChangesQuery = z.infer<typeof ChangesQuery>

export const Change = z.object({
  op: z.enum(['upsert', 'delete']).describe('upsert: replace your copy with `data`; delete: remove it'),
  type: z.enum(['article', 'tag', 'media']).describe('media: for viewer+ tokens only, as the media library is'),
  id: Id,
  at: Timestamp.describe('When the change was made'),
  data: z.union([Article, Tag, Media]).nullable().describe('The article (with body), tag or media as the caller reads it now; null for a delete'),
}).meta({ id: 'Change' })
export type Change = z.infer<typeof Change>

export const ChangePage = z.object({
  data: z.array(Change),
  meta: z.object({
    limit: z.number().int(),
    nextCursor: z.string().describe('Where to ask from next time, also when nothing is left'),
    hasMore: z.boolean().describe('Whether more changes wait beyond this page now'),
  }),
}).meta({ id: 'ChangePage' })
