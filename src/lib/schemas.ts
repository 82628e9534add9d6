import { z } from 'zod'
import { lookupText } from './text.js'
import { SLUG_MAX, SLUG_PATTERN } from './slugs.js'

export const Problem = z.object({
  type: z.string().describe('A URI reference identifying the problem type'),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string().describe('Stable machine-readable code, e.g. VALIDATION_ERROR, NOT_FOUND, SLUG_TAKEN'),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional()
    .describe('Present on validation errors: one entry per bad field'),
  currentVersion: z.number().int().optional().describe('On 412: the version the resource is at now'),
}).meta({ id: 'Problem', description: 'RFC 9457 problem details' })
export type Problem = z.infer<typeof Problem>

const statusDescriptions: Record<number, string> = {
  400: 'Bad request: validation failed, malformed JSON or a bad cursor',
  401: 'Missing, unknown, revoked or expired token',
  403: 'The token’s role is too weak',
  404: 'Not found, or not visible to the caller',
  409: 'Conflict with existing data',
  410: 'Gone: the cursor is older than the changes kept',
  412: 'If-Match did not match the current ETag',
  413: 'Body larger than 1 MiB',
  415: 'Writes accept application/json only',
  429: 'Too many requests',
  500: 'Unexpected server error',
  503: 'Not ready to serve',
}

type ErrorStatus = keyof typeof statusDescriptions

/**
 * Response entries for the given error statuses, all application/problem+json. 400, 401 (a bad token
 * is refused on every route), 429 (throttling) and 500 can happen anywhere, so they are always there.
 */
export function problems (...statuses: ErrorStatus[]) {
  const all = [...new Set([400, 401, 429, 500, ...statuses])].sort()
  return Object.fromEntries(all.map((status) => [status, {
    description: statusDescriptions[status],
    content: { 'application/problem+json': { schema: Problem } },
  }])) as Record<number, { description: string, content: { 'application/problem+json': { schema: typeof Problem } } }>
}

export const Timestamp = z.iso.datetime({ precision: 3 }).describe('ISO 8601 UTC with milliseconds, e.g. 2026-11-28T09:30:00.000Z')

export const Id = lookupText({ max: 64 }).describe('Opaque, time-sortable id')

export const IdParams = z.strictObject({ id: Id })

export const Slug = z.string().min(1).max(SLUG_MAX).regex(SLUG_PATTERN, 'must be lowercase ASCII words joined by "-"')

export const SlugParams = z.strictObject({ slug: lookupText({ max: 200 }) })

export const Limit = z.coerce.number().int().min(1).max(100).default(20).describe('Page size, 1–100')

export const Cursor = z.string().min(1).max(512).optional().describe('Opaque cursor from meta.nextCursor')

export const PageMeta = z.object({
  limit: z.number().int(),
  nextCursor: z.string().nullable(),
  total: z.number().int().describe('How many items match, across all pages'),
})

/** The list envelope: `{ data, meta }`. */
export function page<T extends z.ZodType> (item: T) {
  return z.object({ data: z.array(item), meta: PageMeta })
}

/** The query of a route that takes no parameters: any parameter is a 400. */
export const NoQuery = z.strictObject({})

export const NoContent = z.undefined().describe('No content')

export const NotModified = z.undefined().describe('Not modified: the If-None-Match ETag is still current')

/** `*` or a list of entity tags, each in quotes as RFC 9110 writes them: `"abc"`, `W/"abc"`. */
const ENTITY_TAGS = /^\s*(?:\*|(?:W\/)?"[\x21\x23-\x7e\x80-\xff]*"(?:\s*,\s*(?:W\/)?"[\x21\x23-\x7e\x80-\xff]*")*)\s*$/

export const IfMatch = z.object({
  'if-match': z.string().max(1000).regex(ENTITY_TAGS, 'must be an ETag in double quotes, as the ETag header gives it, or *').optional()
    .describe('The ETag you read; a stale one gets 412 and nothing is written'),
})
