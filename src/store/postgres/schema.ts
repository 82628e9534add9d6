import { sql } from 'drizzle-orm'
import { bigint, boolean, customType, doublePrecision, index, integer, jsonb, pgTable, primaryKey, uniqueIndex } from 'drizzle-orm/pg-core'
import type { CoverMedia, MediaType } from '../../domain/records.js'

// The same tables as the SQLite schema, row for row (domain/records.ts). Text that is compared or
// sorted — ids, slugs, keys, ISO-8601 timestamps — is `COLLATE "C"`: byte order, as SQLite compares,
// whatever locale the database was created with, so orderings and cursors agree on both engines.
// Timestamps stay ISO-8601 text with milliseconds: they reach the API, ETags and copies unchanged.

const key = customType<{ data: string, driverData: string }>({ dataType: () => 'text COLLATE "C"' })
const text = customType<{ data: string, driverData: string }>({ dataType: () => 'text' })
const tsvector = customType<{ data: string, driverData: string }>({ dataType: () => 'tsvector' })

export const tags = pgTable('tags', {
  id: key('id').primaryKey(),
  slug: key('slug').notNull(),
  name: text('name').notNull(),
  nameKey: key('name_key').notNull(),
  nameSkeleton: key('name_skeleton'),
  description: text('description'),
  createdAt: key('created_at').notNull(),
  updatedAt: key('updated_at').notNull(),
}, (t) => [
  uniqueIndex('tags_slug_unique').on(t.slug),
  uniqueIndex('tags_name_key_unique').on(t.nameKey),
  uniqueIndex('tags_name_skeleton_unique').on(t.nameSkeleton),
])

const live = sql`status = 'published' AND deleted_at IS NULL`

export const articles = pgTable('articles', {
  id: key('id').primaryKey(),
  slug: key('slug').notNull(),
  title: text('title').notNull(),
  titleKey: key('title_key').notNull(),
  lead: text('lead'),
  body: text('body').notNull(),
  bodyHtml: text('body_html').notNull(),
  status: key('status').$type<'draft' | 'published'>().notNull(),
  publishedAt: key('published_at'),
  deletedAt: key('deleted_at'),
  lang: key('lang').notNull(),
  author: text('author'),
  coverImageUrl: text('cover_image_url'),
  coverImageAlt: text('cover_image_alt'),
  coverMediaId: key('cover_media_id'),
  coverMedia: jsonb('cover_media').$type<CoverMedia>(),
  version: integer('version').notNull(),
  createdAt: key('created_at').notNull(),
  updatedAt: key('updated_at').notNull(),
}, (t) => [
  uniqueIndex('articles_slug_unique').on(t.slug),
  // In the lists' own order: `DESC NULLS LAST, id DESC` read forwards, and `ASC NULLS FIRST, id ASC`
  // (SQLite's NULL order, article-reads.ts) read backwards. An index in the default `ASC NULLS LAST`
  // serves neither, and every list would sort all of its rows.
  index('articles_published_at_idx').on(t.publishedAt.desc().nullsLast(), t.id.desc().nullsFirst()),
  index('articles_live_published_at_idx').on(t.publishedAt.desc().nullsLast(), t.id.desc().nullsFirst()).where(live),
  index('articles_live_lang_published_at_idx').on(t.lang, t.publishedAt.desc().nullsLast(), t.id.desc().nullsFirst()).where(live),
  index('articles_updated_at_idx').on(t.updatedAt.desc().nullsLast(), t.id.desc().nullsFirst()),
  index('articles_title_key_idx').on(t.titleKey.desc().nullsLast(), t.id.desc().nullsFirst()),
  index('articles_cover_media_id_idx').on(t.coverMediaId).where(sql`cover_media_id IS NOT NULL`),
])

export const articleTags = pgTable('article_tags', {
  articleId: key('article_id').notNull().references(() => articles.id, { onDelete: 'cascade' }),
  tagId: key('tag_id').notNull().references(() => tags.id, { onDelete: 'cascade' }),
  position: integer('position').notNull(),
  // The article's published_at while it is live, else NULL: kept by triggers (the custom migration).
  livePublishedAt: key('live_published_at'),
}, (t) => [
  primaryKey({ columns: [t.articleId, t.tagId] }),
  index('article_tags_tag_id_idx').on(t.tagId, t.articleId),
  index('article_tags_tag_live_idx').on(t.tagId, t.livePublishedAt, t.articleId).where(sql`live_published_at IS NOT NULL`),
])

export const articleRevisions = pgTable('article_revisions', {
  articleId: key('article_id').notNull().references(() => articles.id, { onDelete: 'cascade' }),
  version: integer('version').notNull(),
  savedAt: key('saved_at').notNull(),
  savedBy: text('saved_by').notNull(),
  title: text('title').notNull(),
  snapshot: jsonb('snapshot').notNull(),
}, (t) => [
  primaryKey({ columns: [t.articleId, t.version] }),
])

export const articleSlugs = pgTable('article_slugs', {
  slug: key('slug').primaryKey(),
  articleId: key('article_id').notNull().references(() => articles.id, { onDelete: 'cascade' }),
  retiredAt: key('retired_at').notNull(),
}, (t) => [
  index('article_slugs_article_id_idx').on(t.articleId),
])

export const tokens = pgTable('tokens', {
  id: key('id').primaryKey(),
  name: text('name').notNull(),
  role: key('role').$type<'viewer' | 'editor' | 'admin'>().notNull(),
  hash: key('hash').notNull(),
  source: key('source').$type<'env' | 'api'>().notNull(),
  createdAt: key('created_at').notNull(),
  expiresAt: key('expires_at'),
  revokedAt: key('revoked_at'),
  lastUsedAt: key('last_used_at'),
}, (t) => [
  uniqueIndex('tokens_hash_unique').on(t.hash),
])

/**
 * The search index: one row per article with its stems (the same JavaScript Snowball stems as SQLite's
 * FTS5 table) in a weighted tsvector — title A, lead B, body D — under a GIN index. `key` orders
 * documents by publication (domain/search-document.ts publicationKey), as FTS5's rowid does.
 */
export const searchDocs = pgTable('search_docs', {
  articleId: key('article_id').primaryKey().references(() => articles.id, { onDelete: 'cascade' }),
  key: bigint('key', { mode: 'number' }).notNull(),
  document: tsvector('document').notNull(),
  excerpt: text('excerpt').notNull(),
  updatedAt: key('updated_at').notNull(),
  lang: key('lang').notNull(),
}, (t) => [
  index('search_docs_key_idx').on(t.key),
  index('search_docs_document_idx').using('gin', t.document),
])

/** One row: bumped by triggers with every write to what readers see; its change is announced with NOTIFY. */
export const contentState = pgTable('content_state', {
  id: integer('id').primaryKey(),
  version: bigint('version', { mode: 'number' }).notNull(),
})

export const articleCounts = pgTable('article_counts', {
  state: key('state').$type<'draft' | 'live' | 'deleted'>().primaryKey(),
  n: bigint('n', { mode: 'number' }).notNull(),
})

/**
 * Shared fixed-window counters (failed authentications, rate limits): every server adds its hits here,
 * so a budget counts requests across all of them. A key's window starts at its first hit (epoch ms), as
 * in a single process's memory, and starts again at the first hit after it ends.
 */
export const counters = pgTable('counters', {
  key: key('key').primaryKey(),
  windowStart: bigint('window_start', { mode: 'number' }).notNull(),
  hits: integer('hits').notNull(),
}, (t) => [
  index('counters_window_start_idx').on(t.windowStart),
])

/**
 * The change log, as in SQLite. A sequence would hand out positions at insert, not at commit, and a
 * reader of "position > cursor" could pass a row that commits late: positions come from
 * change_state.head, a counter row each appending transaction updates (and so holds) until it
 * commits, so they follow commit order.
 */
export const changeLog = pgTable('change_log', {
  position: bigint('position', { mode: 'number' }).primaryKey(),
  at: key('at').notNull(),
  type: key('type').$type<'article' | 'tag' | 'media'>().notNull(),
  itemId: key('item_id').notNull(),
  event: key('event'),
  eventId: key('event_id'),
  public: boolean('public').notNull(),
  data: jsonb('data'),
}, (t) => [
  index('change_log_at_idx').on(t.at),
])

export const changeState = pgTable('change_state', {
  id: integer('id').primaryKey(),
  // The last position handed out (see change_log).
  head: bigint('head', { mode: 'number' }).notNull(),
  scheduledThrough: key('scheduled_through').notNull(),
  prunedThrough: bigint('pruned_through', { mode: 'number' }).notNull(),
  dispatchedThrough: bigint('dispatched_through', { mode: 'number' }).notNull(),
})

export const webhooks = pgTable('webhooks', {
  id: key('id').primaryKey(),
  url: text('url').notNull(),
  events: jsonb('events').$type<string[]>().notNull(),
  description: text('description'),
  active: boolean('active').notNull(),
  secret: text('secret').notNull(),
  previousSecret: text('previous_secret'),
  previousSecretUntil: key('previous_secret_until'),
  createdAt: key('created_at').notNull(),
  updatedAt: key('updated_at').notNull(),
})

export const webhookDeliveries = pgTable('webhook_deliveries', {
  id: key('id').primaryKey(),
  webhookId: key('webhook_id').notNull().references(() => webhooks.id, { onDelete: 'cascade' }),
  eventId: key('event_id').notNull(),
  type: key('type').notNull(),
  eventAt: key('event_at').notNull(),
  data: jsonb('data').notNull(),
  status: key('status').$type<'pending' | 'succeeded' | 'failed'>().notNull(),
  attempts: integer('attempts').notNull(),
  lastStatusCode: integer('last_status_code'),
  nextAttemptAt: key('next_attempt_at'),
  leaseUntil: key('lease_until'),
  createdAt: key('created_at').notNull(),
  updatedAt: key('updated_at').notNull(),
}, (t) => [
  index('webhook_deliveries_due_idx').on(t.nextAttemptAt, t.id).where(sql`status = 'pending'`),
  index('webhook_deliveries_webhook_idx').on(t.webhookId, t.id),
])

export const webhookAttempts = pgTable('webhook_attempts', {
  deliveryId: key('delivery_id').notNull().references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
  n: integer('n').notNull(),
  at: key('at').notNull(),
  statusCode: integer('status_code'),
  error: text('error'),
  durationMs: integer('duration_ms').notNull(),
}, (t) => [
  primaryKey({ columns: [t.deliveryId, t.n] }),
])

export const media = pgTable('media', {
  id: key('id').primaryKey(),
  mimeType: key('mime_type').$type<MediaType>().notNull(),
  width: integer('width').notNull(),
  height: integer('height').notNull(),
  bytes: integer('bytes').notNull(),
  alt: text('alt').notNull(),
  caption: text('caption'),
  credit: text('credit'),
  focalX: doublePrecision('focal_x'),
  focalY: doublePrecision('focal_y'),
  placeholder: text('placeholder').notNull(),
  createdAt: key('created_at').notNull(),
  updatedAt: key('updated_at').notNull(),
})
