import type { Role } from '../lib/auth.js'

// What the stores keep, whatever the engine: each engine's schema has rows of exactly these shapes.
// Timestamps are ISO-8601 UTC text with milliseconds: they sort as strings and reach the API unchanged.

export interface ArticleRecord {
  id: string
  slug: string
  title: string
  /** Case- and ё-folded title, for sort=title. */
  titleKey: string
  lead: string | null
  body: string
  /** Rendered and sanitized on write, never on read. */
  bodyHtml: string
  /** The editorial state; "scheduled" and "deleted" are derived from publishedAt and deletedAt. */
  status: 'draft' | 'published'
  publishedAt: string | null
  deletedAt: string | null
  lang: string
  author: string | null
  /** An external cover's URL; null for a cover from the media library (coverMediaId) or none. */
  coverImageUrl: string | null
  coverImageAlt: string | null
  /** The cover from the media library, and its copied facts (kept current when the media changes). */
  coverMediaId: string | null
  coverMedia: CoverMedia | null
  version: number
  createdAt: string
  updatedAt: string
}

/** What an article keeps of its cover from the media library, so reads need no join. */
export interface CoverMedia {
  width: number
  height: number
  credit: string | null
}

/** An image in the media library. Its files (the re-encoded master, its variants) live in media storage. */
export interface MediaRecord {
  id: string
  mimeType: MediaType
  width: number
  height: number
  /** The master file's size: what `GET /v1/media/{id}/file` sends without parameters. */
  bytes: number
  alt: string
  caption: string | null
  credit: string | null
  focalX: number | null
  focalY: number | null
  placeholder: string
  createdAt: string
  updatedAt: string
}

export const MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/avif', 'image/gif'] as const
export type MediaType = typeof MEDIA_TYPES[number]

/** An article as lists read it: body and bodyHtml only with include=body. */
export type ArticleSummaryRecord = Omit<ArticleRecord, 'body' | 'bodyHtml'> & Partial<Pick<ArticleRecord, 'body' | 'bodyHtml'>>

/** A tag as an article carries it, in the order its editor gave. */
export interface TagRef {
  id: string
  slug: string
  name: string
}

export interface TagRecord extends TagRef {
  /** The name's case- and ё-folded key (unique). */
  nameKey: string
  /** The name's look-alike skeleton (lib/lookalike.ts); null only until a start backfills older rows. */
  nameSkeleton: string | null
  description: string | null
  createdAt: string
  updatedAt: string
}

export interface TokenRecord {
  id: string
  name: string
  role: Role
  /** SHA-256 of the secret, hex; the secret itself is never stored. */
  hash: string
  /** 'env' for the token CMS_ADMIN_TOKEN ensures, 'api' for the rest. */
  source: 'env' | 'api'
  createdAt: string
  expiresAt: string | null
  revokedAt: string | null
  lastUsedAt: string | null
}

export interface WebhookRecord {
  id: string
  url: string
  events: string[]
  description: string | null
  active: boolean
  secret: string
  /** The secret before the last rotation, which signs too until previousSecretUntil. */
  previousSecret: string | null
  previousSecretUntil: string | null
  createdAt: string
  updatedAt: string
}

export interface DeliveryRecord {
  id: string
  webhookId: string
  eventId: string
  type: string
  eventAt: string
  data: unknown
  status: 'pending' | 'succeeded' | 'failed'
  attempts: number
  lastStatusCode: number | null
  nextAttemptAt: string | null
  leaseUntil: string | null
  createdAt: string
  updatedAt: string
}

export interface AttemptRecord {
  at: string
  statusCode: number | null
  error: string | null
  durationMs: number
}
