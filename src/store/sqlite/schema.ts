import { sql } from 'drizzle-orm'
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import type { CoverMedia, MediaType } from '../../domain/records.js'

export * from './webhook-tables.js'

// Timestamps are ISO-8601 UTC text with milliseconds: they sort as strings and leave the API unchanged.

export const tags = sqliteTable('tags', {
  id: text('id').primaryKey(),
  slug: text('slug').notNull(),
  name: text('name').notNull(),
  // Case- and ё-folded name: SQLite's lower() folds ASCII only, so uniqueness and prefix search use this.
  nameKey: text('name_key').notNull(),
  // The name's look-alike skeleton (lib/lookalike.ts): Latin "T" and Cyrillic "Т" alike, invisible
  // characters dropped. Filled by the application (NULL only until a start backfills older rows).
  nameSkeleton: text('name_skeleton'),
  description: text('description'),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
}, (t) => [
  uniqueIndex('tags_slug_unique').on(t.slug),
  uniqueIndex('tags_name_key_unique').on(t.nameKey),
  uniqueIndex('tags_name_skeleton_unique').on(t.nameSkeleton),
])

// Public reads filter on exactly this predicate (article-predicates.ts, where queries get it), so SQLite
// can use the partial indexes below.
const live = sql`status = 'published' AND deleted_at IS NULL`

export const articles = sqliteTable('articles', {
  id: text('id').primaryKey(),
  slug: text('slug').notNull(),
  title: text('title').notNull(),
  // Case- and ё-folded title, for sort=title.
  titleKey: text('title_key').notNull(),
  lead: text('lead'),
  body: text('body').notNull(),
  // Rendered and sanitized on write, never on read.
  bodyHtml: text('body_html').notNull(),
  // The editorial state; "scheduled" and "deleted" are derived from published_at and deleted_at.
  status: text('status', { enum: ['draft', 'published'] }).notNull(),
  publishedAt: text('published_at'),
  deletedAt: text('deleted_at'),
  lang: text('lang').notNull(),
  author: text('author'),
  coverImageUrl: text('cover_image_url'),
  coverImageAlt: text('cover_image_alt'),
  // A cover from the media library, and what the article shows of it (kept current by media writes).
  coverMediaId: text('cover_media_id'),
  coverMedia: text('cover_media', { mode: 'json' }).$type<CoverMedia>(),
  version: integer('version').notNull(),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
}, (t) => [
  uniqueIndex('articles_slug_unique').on(t.slug),
  index('articles_published_at_idx').on(t.publishedAt, t.id),
  index('articles_live_published_at_idx').on(t.publishedAt, t.id).where(live),
  // Is this id live, and since when: answered from the index alone (search checks a thousand ids a query).
  index('articles_live_id_idx').on(t.id, t.publishedAt).where(live),
  index('articles_live_lang_published_at_idx').on(t.lang, t.publishedAt, t.id).where(live),
  index('articles_updated_at_idx').on(t.updatedAt, t.id),
  index('articles_title_key_idx').on(t.titleKey, t.id),
  index('articles_cover_media_id_idx').on(t.coverMediaId).where(sql`cover_media_id IS NOT NULL`),
])

export const articleTags = sqliteTable('article_tags', {
  articleId: text('article_id').notNull().references(() => articles.id, { onDelete: 'cascade' }),
  tagId: text('tag_id').notNull().references(() => tags.id, { onDelete: 'cascade' }),
  // Keeps the order the editor gave.
  position: integer('position').notNull(),
  // The article's published_at while it is live (published and not in the trash), else NULL. Kept by
  // triggers (migration 0008), so a tag's published total is one index range, not a probe per article.
  livePublishedAt: text('live_published_at'),
}, (t) => [
  primaryKey({ columns: [t.articleId, t.tagId] }),
  index('article_tags_tag_id_idx').on(t.tagId, t.articleId),
  index('article_tags_tag_live_idx').on(t.tagId, t.livePublishedAt, t.articleId).where(sql`${t.livePublishedAt} IS NOT NULL`),
])

export const articleRevisions = sqliteTable('article_revisions', {
  articleId: text('article_id').notNull().references(() => articles.id, { onDelete: 'cascade' }),
  version: integer('version').notNull(),
  savedAt: text('saved_at').notNull(),
  // The saving token's name.
  savedBy: text('saved_by').notNull(),
  title: text('title').notNull(),
  // JSON: the article row (without body_html, re-rendered on read) and its tags as they were.
  snapshot: text('snapshot', { mode: 'json' }).notNull(),
}, (t) => [
  primaryKey({ columns: [t.articleId, t.version] }),
])

/** Former slugs, which redirect to the article's current one until it is purged. */
export const articleSlugs = sqliteTable('article_slugs', {
  slug: text('slug').primaryKey(),
  articleId: text('article_id').notNull().references(() => articles.id, { onDelete: 'cascade' }),
  retiredAt: text('retired_at').notNull(),
}, (t) => [
  index('article_slugs_article_id_idx').on(t.articleId),
])

export const tokens = sqliteTable('tokens', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  role: text('role', { enum: ['viewer', 'editor', 'admin'] }).notNull(),
  // SHA-256 of the secret, hex; the secret itself is never stored.
  hash: text('hash').notNull(),
  // 'env' for the token CMS_ADMIN_TOKEN ensures, 'api' for the rest.
  source: text('source', { enum: ['env', 'api'] }).notNull(),
  createdAt: text('created_at').notNull(),
  expiresAt: text('expires_at'),
  revokedAt: text('revoked_at'),
  lastUsedAt: text('last_used_at'),
}, (t) => [
  uniqueIndex('tokens_hash_unique').on(t.hash),
])

/** Gives each article a stable integer key for the FTS5 index (article_search), which is keyed by rowid. */
export const searchDocs = sqliteTable('search_docs', {
  rowid: integer('rowid').primaryKey({ autoIncrement: true }),
  articleId: text('article_id').notNull().references(() => articles.id, { onDelete: 'cascade' }),
  // The start of the article's body text (up to 1,000 characters), where search snippets look: a page
  // of hits reads these, not bodies of up to 200,000. NULL for rows indexed before it existed.
  excerpt: text('excerpt'),
  // Copies of the article's updated_at and lang, kept by every write: a page of hits reads these rows and
  // the start of the article rows, never the columns stored after a long body (SQLite would walk its
  // overflow pages to reach them). NULL for rows indexed before they existed.
  updatedAt: text('updated_at'),
  lang: text('lang'),
}, (t) => [
  uniqueIndex('search_docs_article_id_unique').on(t.articleId),
  // Rows from before excerpt, updated_at and lang (none once rebuilt): each start asks this index
  // (search-index.ts indexIsComplete) instead of reading every row (1.2 s at a million articles).
  index('search_docs_incomplete_idx').on(t.articleId).where(sql`${t.excerpt} IS NULL OR ${t.updatedAt} IS NULL OR ${t.lang} IS NULL`),
])

/** One row: recent_search holds the `docs` search docs at or above `floor`, `size` to twice as many (search-shard.ts). */
export const searchShard = sqliteTable('search_shard', {
  id: integer('id').primaryKey(),
  floor: integer('floor').notNull(),
  docs: integer('docs').notNull(),
  size: integer('size').notNull(),
})

/**
 * One row: a counter that every write to what readers see (articles, their tags and former slugs,
 * tags) bumps, from triggers in the same transaction. Cached public answers stay good while it holds
 * still; writes elsewhere (a token's last use, say) leave it alone.
 */
export const contentState = sqliteTable('content_state', {
  id: integer('id').primaryKey(),
  version: integer('version').notNull(),
})

/**
 * How many articles are drafts, live (published, now or scheduled) and in the trash: kept by triggers
 * in the writing transaction (migration 0017), so the metrics read three rows, never count a million.
 */
export const articleCounts = sqliteTable('article_counts', {
  state: text('state', { enum: ['draft', 'live', 'deleted'] }).primaryKey(),
  n: integer('n').notNull(),
})

/**
 * The change log (domain/change-log.ts): what every write to articles and tags did, appended in its
 * unit of work. SQLite has one writer at a time, so AUTOINCREMENT positions follow commit order (and
 * are never reused after pruning). /v1/changes follows it; webhook deliveries are made from its events.
 */
export const changeLog = sqliteTable('change_log', {
  position: integer('position').primaryKey({ autoIncrement: true }),
  at: text('at').notNull(),
  type: text('type', { enum: ['article', 'tag', 'media'] }).notNull(),
  itemId: text('item_id').notNull(),
  // The webhook event this entry is (with its id and data), or NULL for "look again" entries.
  event: text('event'),
  eventId: text('event_id'),
  // Whether the public may learn of it: the item was publicly visible before or after the change.
  public: integer('public', { mode: 'boolean' }).notNull(),
  data: text('data', { mode: 'json' }),
}, (t) => [
  index('change_log_at_idx').on(t.at),
])

/** One row: how far the background work on the change log has got. */
export const changeState = sqliteTable('change_state', {
  id: integer('id').primaryKey(),
  // Scheduled articles that went live up to this instant have their article.published entries.
  scheduledThrough: text('scheduled_through').notNull(),
  // Entries up to this position are pruned: a cursor below it has lost changes (410).
  prunedThrough: integer('pruned_through').notNull(),
  // Events up to this position have their webhook deliveries.
  dispatchedThrough: integer('dispatched_through').notNull(),
})

// The media library's images; their files are in media storage (lib/media-storage.ts), not here.
export const media = sqliteTable('media', {
  id: text('id').primaryKey(),
  mimeType: text('mime_type').$type<MediaType>().notNull(),
  width: integer('width').notNull(),
  height: integer('height').notNull(),
  bytes: integer('bytes').notNull(),
  alt: text('alt').notNull(),
  caption: text('caption'),
  credit: text('credit'),
  focalX: real('focal_x'),
  focalY: real('focal_y'),
  placeholder: text('placeholder').notNull(),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
})
