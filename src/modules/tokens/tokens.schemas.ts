import { z } from 'zod'
import { ROLES } from '../../lib/auth.js'
import { Cursor, Id, Limit, page, Timestamp } from '../../lib/schemas.js'
import { text } from '../../lib/text.js'

export const Token = z.object({
  id: Id,
  name: z.string(),
  role: z.enum(ROLES),
  createdAt: Timestamp,
  expiresAt: Timestamp.nullable(),
  lastUsedAt: Timestamp.nullable().describe('Recorded at most once a minute'),
}).meta({ id: 'Token' })
export type Token = z.infer<typeof Token>

export const TokenCreated = Token.omit({ lastUsedAt: true }).extend({
  token: z.string().describe('The secret: shown this once, stored only as a hash'),
}).meta({ id: 'TokenCreated' })
export type TokenCreated = z.infer<typeof TokenCreated>

export const TokenCreate = z.strictObject({
  name: text({ min: 1, max: 100 })
    .describe('Who uses it; revisions show it as savedBy'),
  role: z.enum(ROLES),
  expiresAt: z.iso.datetime({ offset: true }).transform((v) => new Date(v).toISOString())
    .refine((v) => v > new Date().toISOString(), 'must be in the future').nullable().optional(),
}).meta({ id: 'TokenCreate' })
export type TokenCreate = z.infer<typeof TokenCreate>

export const TokenListQuery = z.strictObject({ limit: Limit, cursor: Cursor })

export const TokenPage = page(Token).meta({ id: 'TokenPage' })
