import { and, asc, gt, lt, sql, type Placeholder, type SQL } from 'drizzle-orm'
import { articleChanges, type ChangeEntry } from '../../domain/change-log.js'
import { toArticle } from '../../domain/article-view.js'
import { newId, now } from '../../lib/ids.js'
import type { Audience } from '../../lib/auth.js'
import type { ChangeRef, ChangeStore, SnapshotRef } from '../store.js'
import { inState } from './article-predicates.js'
import { tagsOfArticle } from './article-tags.js'
import type { Db } from './client.js'
import { articles } from './schema.js'
import { prepared, unitOfWork, type Tx } from './unit-of-work.js'

// The change log's SQLite side: appending inside a write's unit of work, and what /v1/changes and the
// scheduler read. Raw statements, prepared once per connection: these run on every write.

const LIVE = 'a.status = \'published\' AND a.deleted_at IS NULL'

/** Appends entries in the current unit of work; SQLite's single writer makes their positions commit order. */
export function appendChanges (tx: Tx, entries: ChangeEntry[]): void {
  if (entries.length === 0) return
  const insert = prepared(tx, 'append change', (db) => db.$client.prepare(
    'INSERT INTO change_log (at, type, item_id, event, event_id, public, data) VALUES (?, ?, ?, ?, ?, ?, ?)'))
  const at = now()
  for (const entry of entries) {
    insert.run(at, entry.type, entry.itemId, entry.event, entry.event ? newId() : null, entry.public ? 1 : 0,
      entry.data ? JSON.stringify(entry.data) : null)
  }
}

/** "Look again" entries for every article carrying a tag (its name, slug or existence changed what they show). */
export function appendTaggedArticles (tx: Tx, tagId: string): void {
  const at = now()
  prepared(tx, 'append tagged articles', (db) => db.$client.prepare(
    `INSERT INTO change_log (at, type, item_id, event, event_id, public, data)
     SELECT @at, 'article', a.id, NULL, NULL, ${LIVE} AND a.published_at <= @at, NULL
     FROM article_tags t JOIN articles a ON a.id = t.article_id WHERE t.tag_id = @tagId ORDER BY a.id`)).run({ at, tagId })
}

/** "Look again" entries for every article whose cover is this media (what the cover shows of it changed). */
export function appendCoverArticles (tx: Tx, mediaId: string): void {
  const at = now()
  prepared(tx, 'append cover articles', (db) => db.$client.prepare(
    `INSERT INTO change_log (at, type, item_id, event, event_id, public, data)
     SELECT @at, 'article', a.id, NULL, NULL, ${LIVE} AND a.published_at <= @at, NULL
     FROM articles a WHERE a.cover_media_id = @mediaId ORDER BY a.id`)).run({ at, mediaId })
}

/** Whether the public sees this tag now: one of its articles is published. */
export function tagIsPublic (tx: Tx, tagId: string): boolean {
  return prepared(tx, 'tag is public', (db) => db.$client.prepare(
    'SELECT EXISTS (SELECT 1 FROM article_tags WHERE tag_id = ? AND live_published_at <= ?)').pluck()).get(tagId, now()) === 1
}

/**
 * Scheduled articles that went live after `through` and by `at`, and were not live yet at their last
 * write (that write logged them as published).
 */
const dueBetween = (through: string | SQL, at: string | Placeholder) =>
  and(inState('published', at), gt(articles.publishedAt, through), lt(articles.updatedAt, articles.publishedAt))

export function createChangeStore (db: Db): ChangeStore {
  const $ = db.$client
  // Pruning may have emptied the log: the head is then where pruning stopped.
  const head = $.prepare('SELECT max(coalesce((SELECT max(position) FROM change_log), 0), pruned_through) FROM change_state WHERE id = 1').pluck()
  const prunedThrough = $.prepare('SELECT pruned_through FROM change_state WHERE id = 1').pluck()
  const after = {
    public: $.prepare('SELECT position, type, item_id AS id, at FROM change_log WHERE public = 1 AND position > ? ORDER BY position LIMIT ?'),
    staff: $.prepare('SELECT position, type, item_id AS id, at FROM change_log WHERE position > ? ORDER BY position LIMIT ?'),
  }
  // What a snapshot lists: for the public what is published now (the tags of such articles), for staff everything.
  const publicArticles = $.prepare(`SELECT id FROM articles a WHERE ${LIVE} AND a.published_at <= ? AND id > ? ORDER BY id LIMIT ?`).pluck()
  const allArticles = $.prepare('SELECT id FROM articles WHERE id > ? ORDER BY id LIMIT ?').pluck()
  const publicTags = $.prepare(`SELECT id FROM tags WHERE EXISTS (SELECT 1 FROM article_tags t WHERE t.tag_id = tags.id AND t.live_published_at <= ?)
    AND id > ? ORDER BY id LIMIT ?`).pluck()
  const allTags = $.prepare('SELECT id FROM tags WHERE id > ? ORDER BY id LIMIT ?').pluck()
  const allMedia = $.prepare('SELECT id FROM media WHERE id > ? ORDER BY id LIMIT ?').pluck()
  const scheduledThrough = $.prepare('SELECT scheduled_through FROM change_state WHERE id = 1').pluck()
  const markScheduled = $.prepare('UPDATE change_state SET scheduled_through = ? WHERE id = 1')
  const anyDue = db.select({ id: articles.id }).from(articles)
    .where(dueBetween(sql`(SELECT scheduled_through FROM change_state WHERE id = 1)`, sql.placeholder('at'))).limit(1).prepare()

  return {
    head: async () => head.get() as number,
    prunedThrough: async () => prunedThrough.get() as number,
    after: async (position, audience, limit) => after[audience].all(position, limit) as ChangeRef[],

    async snapshot (audience: Audience, from, limit) {
      const at = now()
      const refs: SnapshotRef[] = []
      if (from.type === 'article') {
        const ids = audience === 'public' ? publicArticles.all(at, from.id, limit) : allArticles.all(from.id, limit)
        for (const id of ids as string[]) refs.push({ type: 'article', id })
      }
      if (refs.length < limit && from.type !== 'media') {
        const after = from.type === 'tag' ? from.id : ''
        const ids = audience === 'public' ? publicTags.all(at, after, limit - refs.length) : allTags.all(after, limit - refs.length)
        for (const id of ids as string[]) refs.push({ type: 'tag', id })
      }
      if (refs.length < limit && audience === 'staff') {
        const ids = allMedia.all(from.type === 'media' ? from.id : '', limit - refs.length)
        for (const id of ids as string[]) refs.push({ type: 'media', id })
      }
      return refs
    },

    async publishDue () {
      // Looked for outside a transaction first: most seconds nothing is due, and a write would cost an fsync.
      if (!anyDue.get({ at: now() })) return 0
      return unitOfWork(db, (tx) => {
        const at = now()
        const through = scheduledThrough.get() as string
        const due = tx.select().from(articles).where(dueBetween(through, at)).orderBy(asc(articles.publishedAt), asc(articles.id)).all()
        for (const record of due) {
          appendChanges(tx, articleChanges('due', undefined, toArticle(record, tagsOfArticle(tx, record.id), at)))
        }
        if (due.length > 0) markScheduled.run(at)
        return due.length
      })
    },

    prune: (before) => unitOfWork(db, (tx) => {
      // Never past what webhook deliveries were made from: an undelivered event is kept however old.
      const last = tx.$client.prepare(`SELECT min(max(position), (SELECT dispatched_through FROM change_state WHERE id = 1))
        FROM change_log WHERE at < ?`).pluck().get(before) as number | null
      if (last === null) return 0
      tx.$client.prepare('UPDATE change_state SET pruned_through = max(pruned_through, ?) WHERE id = 1').run(last)
      return tx.$client.prepare('DELETE FROM change_log WHERE position <= ?').run(last).changes
    }),
  }
}
