import { z } from 'zod'
import { Cursor, Id, Limit, page, Slug, Timestamp } from '../../lib/schemas.js'
import { text } from '../../lib/text.js'

const Name = text({ min: 1, max: 100 })
const Description = text({ max: 500, multiline: true }).nullable()

export const Tag = z.object({
  id: Id,
  slug: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  articleCount: z.number().int().describe('Articles tagged with it that the caller can see'),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}).meta({ id: 'Tag' })
export type Tag = z.infer<typeof Tag>

export const TagCreate = z.strictObject({
  name: Name.describe('Unique, case-insensitively'),
  slug: Slug.optional().describe('Generated from the name when absent'),
  description: Description.optional(),
}).meta({ id: 'TagCreate' })
export type TagCreate = z.infer<typeof TagCreate>

export const TagPatch = z.strictObject({
  name: Name.optional(),
  slug: Slug.optional(),
  description: Description.optional(),
}).meta({ id: 'TagPatch' })
export type TagPatch = z.infer<typeof TagPatch>

export const TagListQuery = z.strictObject({
  q: text({ min: 1, max: 100 }).optional().describe('Name prefix, any case (autocomplete)'),
  sort: z.enum(['name', '-articleCount']).default('name'),
  limit: Limit,
  cursor: Cursor,
})
export type TagListQuery = z.infer<typeof TagListQuery>

export const TagPage = page(Tag).meta({ id: 'TagPage' })
