import type { ArticleData, ArticleListData } from '../domain/article-view.js'
import type { MediaRecord } from '../domain/records.js'
import type { ArticleState } from '../domain/visibility.js'
import type { Audience, Principal } from '../lib/auth.js'
import type { SearchQuery as ParsedQuery } from '../lib/search-query.js'
import type { ArticleCreate, ArticleListQuery, ArticlePatch, Revision, RevisionSummary } from '../modules/articles/articles.schemas.js'
import type { SearchHit, SearchQuery } from '../modules/search/search.schemas.js'
import type { Tag, TagCreate, TagListQuery, TagPatch } from '../modules/tags/tags.schemas.js'
import type { Token, TokenCreate, TokenCreated } from '../modules/tokens/tokens.schemas.js'
import type { WebhookStore } from './webhook-store.js'

// What the HTTP layer, the start-up and the scripts may ask of a database. Every method returns a
// Promise, whatever the engine; each write is one unit of work (one transaction) inside the store.
// Stores return data, never HTTP shapes: URLs are added where the response is built.

/** One page of a keyset-paginated list. */
export interface Page<T> {
  items: T[]
  nextCursor: string | null
  total: number
}

/** Who writes, and an optional check of the current article (e.g. If-Match) made inside the write's transaction. */
export interface WriteContext {
  actor: string
  precondition?: (current: ArticleData) => void
}

export interface ArticleStore {
  byId (id: string, audience: Audience): Promise<ArticleData | undefined>
  /** By current slug; or, for a former slug, the current one to redirect to. */
  bySlug (slug: string, audience: Audience): Promise<{ article: ArticleData } | { redirectTo: string } | undefined>
  /** `since` (published strictly after, for polling) and `countTotal: false` serve the feed. */
  list (query: ArticleListQuery & { since?: string }, audience: Audience, options?: { countTotal?: boolean }): Promise<Page<ArticleListData>>
  /** How many articles are in each state now, from counts kept by every write: cheap at any archive size. */
  counts (): Promise<Record<ArticleState, number>>
  create (input: ArticleCreate, actor: string): Promise<ArticleData>
  /** Applies the fields given; no new version when nothing changes. */
  update (id: string, patch: ArticlePatch, context: WriteContext): Promise<ArticleData>
  /** To the trash: gone from public reads, kept for staff and restore. */
  trash (id: string, context: WriteContext): Promise<ArticleData>
  /** Back from the trash, as it was. */
  restore (id: string, context: WriteContext): Promise<ArticleData>
  /** Makes an old revision's content the next version (domain/revisions.ts says what it brings back). */
  restoreRevision (id: string, version: number, context: WriteContext): Promise<ArticleData>
  /** Gone for good, with its tag links, revisions and former slugs. */
  purge (id: string, context: WriteContext): Promise<void>
}

export type RevisionData = Omit<Revision, 'url'>

export interface RevisionStore {
  list (articleId: string, limit: number, cursor: string | undefined): Promise<Page<RevisionSummary>>
  /** One revision: the article as it was, with who saved it and when. */
  get (articleId: string, version: number): Promise<RevisionData | undefined>
}

export interface TagStore {
  list (query: TagListQuery, audience: Audience): Promise<Page<Tag>>
  byId (id: string, audience: Audience): Promise<Tag | undefined>
  bySlug (slug: string, audience: Audience): Promise<Tag | undefined>
  create (input: TagCreate): Promise<Tag>
  update (id: string, patch: TagPatch, audience: Audience): Promise<Tag>
  remove (id: string): Promise<void>
  /** Fills the look-alike key of tags from before it existed; returns how many it filled. */
  backfillSkeletons (): Promise<number>
}

export interface TokenStore {
  create (input: TokenCreate): Promise<TokenCreated>
  /** Makes CMS_ADMIN_TOKEN an admin token; a former value of it stops working. */
  ensureEnvAdmin (secret: string): Promise<void>
  /** The principal a secret stands for, or null when it is unknown, revoked or expired. */
  resolve (secret: string): Promise<Principal | null>
  list (limit: number, cursor: string | undefined): Promise<Page<Token>>
  /** Whether any active, unexpired admin token exists: without one, nobody can write yet. */
  hasAdmin (): Promise<boolean>
  revoke (id: string): Promise<void>
}

/** What an editor may change of a media record. */
export type MediaChanges = Partial<Pick<MediaRecord, 'alt' | 'caption' | 'credit' | 'focalX' | 'focalY'>>

/** The media library's records; the files are in media storage, written before a record and removed after it. */
export interface MediaStore {
  create (record: MediaRecord): Promise<MediaRecord>
  /** Newest first. */
  list (limit: number, cursor: string | undefined): Promise<Page<MediaRecord>>
  byId (id: string): Promise<MediaRecord | undefined>
  byIds (ids: string[]): Promise<MediaRecord[]>
  /** Also what the articles that use it as their cover show of it (alt where it was the media's, credit). */
  update (id: string, changes: MediaChanges): Promise<MediaRecord>
  /** 409 while an article that is not purged uses it as its cover. */
  remove (id: string): Promise<void>
}

export type SearchHitData = Omit<SearchHit, 'url'>

export interface SearchStore {
  /** Best match first among the newest matches, newer first among equals. */
  search (query: SearchQuery, parsed: ParsedQuery, audience: Audience): Promise<Page<SearchHitData>>
  /** True when every article has its complete entry (false after a restore from an old backup, say). */
  isComplete (): Promise<boolean>
  /** Rebuilds the whole index from the articles; returns how many it indexed. */
  rebuild (): Promise<number>
  /**
   * Fills what the index keeps of the newest articles beside itself, after a migration made it empty
   * (SQLite's recent_search; PostgreSQL keeps nothing of the kind); returns how many it indexed there.
   */
  fillRecent (): Promise<number>
}

/**
 * What public reads depend on: `generation` changes with every committed write to content (articles,
 * tags, their links), `until` is when the next scheduled article goes live (ms, or Infinity).
 */
export interface ContentState {
  generation: string
  until: number
}

export interface ContentStateStore {
  /** The same settled promise while the state holds (callers may compare it to skip an await), a new one when it changes. */
  current (): Promise<ContentState>
}

/** A change log entry as a sync follows it: which item to look at again. */
export interface ChangeRef {
  position: number
  type: 'article' | 'tag' | 'media'
  id: string
  /** When the change was made. */
  at: string
}

export type SnapshotRef = Pick<ChangeRef, 'type' | 'id'>

/** The change log (domain/change-log.ts) as /v1/changes and the background work read it. */
export interface ChangeStore {
  /** The last position: a sync that starts now from a snapshot continues after it. */
  head (): Promise<number>
  /** Entries up to here are pruned: a cursor before it has missed changes. */
  prunedThrough (): Promise<number>
  /** Entries after `position`, oldest first; the public gets only those it may learn of. */
  after (position: number, audience: Audience, limit: number): Promise<ChangeRef[]>
  /** What the audience can read now — articles, tags, then (staff only) media — each in id order, after `from` (an id of '' starts a type). */
  snapshot (audience: Audience, from: SnapshotRef, limit: number): Promise<SnapshotRef[]>
  /** Appends article.published for every scheduled article that went live since the last call; returns how many. */
  publishDue (): Promise<number>
  /** Removes entries older than `before` (ISO instant) that webhook deliveries were made from; returns how many. */
  prune (before: string): Promise<number>
}

/** A key's count in its current window, and when that window ends (epoch ms). */
export interface WindowCount {
  hits: number
  resetAt: number
}

/**
 * Fixed-window hit counters (failed authentications, rate limits) that every server sharing the
 * database adds to. A key's window starts at its first hit and lasts `windowMs`; a hit after it ends
 * starts the next. On SQLite, one process's memory.
 */
export interface CounterStore {
  /** Adds each key's hits to its window; resolves to each key's count across all servers. */
  add (hits: Map<string, number>, windowMs: number): Promise<Map<string, WindowCount>>
  /** The counts of keys' current windows, without adding to them; keys whose window has ended are left out. */
  get (keys: string[], windowMs: number): Promise<Map<string, WindowCount>>
  /**
   * Tells `listener` of the keys starting with `prefix` that may be counting on some server: each
   * whose window is current now, and then each that any server adds to, soon after (on PostgreSQL by
   * NOTIFY at the adding commit, and again in full after a reconnect and every second in case a notice
   * was lost; on SQLite, this process's adds as they happen). Resolves when the current ones have been
   * told. So a caller reads only the counts of keys someone counted.
   */
  watch (prefix: string, windowMs: number, listener: (key: string) => void): Promise<void>
}

/** What a newsroom copy moves, parents before children: the search index is rebuilt, counts and versions are kept by triggers. */
export const COPIED_TABLES = ['tags', 'media', 'articles', 'articleTags', 'articleRevisions', 'articleSlugs', 'tokens'] as const
export type CopiedTable = typeof COPIED_TABLES[number]
export interface CopyBatch {
  table: CopiedTable
  /** Rows as the engine-neutral records (domain/records.ts) and link rows, field for field. */
  rows: Array<Record<string, unknown>>
}

/** Whole-newsroom export and import, row for row (`npm run db:copy`). */
export interface CopyStore {
  /** True when the database holds no article, tag, media or token. */
  isEmpty (): Promise<boolean>
  /** Every row of the copied tables, table by table in COPIED_TABLES order, in primary-key order, in batches. */
  rows (): AsyncIterable<CopyBatch>
  /** Inserts every batch as it is (ids, versions, timestamps unchanged), all in one transaction: all or nothing; then updates the query planner's statistics of them where the engine keeps any (PostgreSQL). */
  load (batches: AsyncIterable<CopyBatch>): Promise<void>
}

export interface HealthStore {
  /** True when the database answers and every migration is applied. */
  ready (): Promise<boolean>
}

export interface Store {
  articles: ArticleStore
  revisions: RevisionStore
  tags: TagStore
  media: MediaStore
  tokens: TokenStore
  search: SearchStore
  changes: ChangeStore
  webhooks: WebhookStore
  content: ContentStateStore
  counters: CounterStore
  copy: CopyStore
  health: HealthStore
  /** Applies pending migrations; `created` when the database had none before (a new newsroom). */
  migrate (): Promise<{ created: boolean }>
  close (): Promise<void>
}
