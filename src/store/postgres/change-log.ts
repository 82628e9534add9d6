import { and, asc, gt, lt, sql, type SQL } from 'drizzle-orm'
import { articleChanges, type ChangeEntry } from '../../domain/change-log.js'
import { toArticle } from '../../domain/article-view.js'
import type { Audience } from '../../lib/auth.js'
import { newId, now } from '../../lib/ids.js'
import type { ChangeRef, ChangeStore, SnapshotRef } from '../store.js'
import { inState } from './article-predicates.js'
import { tagsOfArticle } from './article-tags.js'
import type { PgDb } from './client.js'
import { articles, changeLog } from './schema.js'
import { first, unitOfWork, type Tx } from './unit-of-work.js'

// The change log's PostgreSQL side. Positions come from change_state.head (schema.ts says why): the
// UPDATE that reserves them holds the row until the transaction ends, so a later appender waits, and
// a reader never sees position n + 1 committed before n.

const LIVE = sql`a.status = 'published' AND a.deleted_at IS NULL`

/** Reserves `count` positions; resolves to the first. */
async function reserve (tx: Tx, count: number): Promise<number> {
  const [row] = await tx.execute<{ head: string }>(sql`UPDATE change_state SET head = head + ${count} WHERE id = 1 RETURNING head`)
  return Number(row!.head) - count + 1
}

/** Appends entries in the current unit of work, at positions in commit order. */
export async function appendChanges (tx: Tx, entries: ChangeEntry[]): Promise<void> {
  if (entries.length === 0) return
  const start = await reserve(tx, entries.length)
  const at = now()
  await tx.insert(changeLog).values(entries.map((entry, i) => ({
    position: start + i,
    at,
    type: entry.type,
    itemId: entry.itemId,
    event: entry.event,
    eventId: entry.event ? newId() : null,
    public: entry.public,
    data: entry.data,
  })))
}

/** "Look again" entries for every article carrying a tag (its name, slug or existence changed what they show). */
export async function appendTaggedArticles (tx: Tx, tagId: string): Promise<void> {
  const at = now()
  const ids = await tx.execute<{ id: string, live: boolean }>(sql`SELECT a.id, (${LIVE} AND a.published_at <= ${at}) AS live
    FROM article_tags t JOIN articles a ON a.id = t.article_id WHERE t.tag_id = ${tagId} ORDER BY a.id`)
  await appendChanges(tx, ids.map((row) => ({ type: 'article', itemId: row.id, event: null, public: row.live, data: null })))
}

/** Whether the public sees this tag now: one of its articles is published. */
export async function tagIsPublic (tx: Tx, tagId: string): Promise<boolean> {
  const [row] = await tx.execute<{ visible: boolean }>(sql`SELECT EXISTS (SELECT 1 FROM article_tags
    WHERE tag_id = ${tagId} AND live_published_at <= ${now()}) AS visible`)
  return row!.visible
}

/**
 * Scheduled articles that went live after `through` and by `at`, and were not live yet at their last
 * write (that write logged them as published).
 */
const dueBetween = (through: SQL, at: string) =>
  and(inState('published', at), gt(articles.publishedAt, through), lt(articles.updatedAt, articles.publishedAt))

export function createChangeStore (db: PgDb): ChangeStore {
  const state = async <T> (column: string): Promise<T> => {
    const [row] = await db.execute<Record<string, T>>(sql`SELECT ${sql.identifier(column)} AS value FROM change_state WHERE id = 1`)
    return row!.value as T
  }

  return {
    head: async () => Number(await state<string>('head')),
    prunedThrough: async () => Number(await state<string>('pruned_through')),

    async after (position, audience, limit) {
      const rows = await db.execute<{ position: string, type: ChangeRef['type'], id: string, at: string }>(sql`SELECT position, type, item_id AS id, at
        FROM change_log WHERE position > ${position} ${audience === 'public' ? sql`AND public` : sql``} ORDER BY position LIMIT ${limit}`)
      return rows.map((row) => ({ ...row, position: Number(row.position) }))
    },

    async snapshot (audience: Audience, from, limit) {
      const at = now()
      const refs: SnapshotRef[] = []
      if (from.type === 'article') {
        const rows = await db.execute<{ id: string }>(sql`SELECT a.id FROM articles a
          WHERE ${audience === 'public' ? sql`${LIVE} AND a.published_at <= ${at} AND` : sql``} a.id > ${from.id} ORDER BY a.id LIMIT ${limit}`)
        for (const { id } of rows) refs.push({ type: 'article', id })
      }
      if (refs.length < limit && from.type !== 'media') {
        const afterTag = from.type === 'tag' ? from.id : ''
        const rows = await db.execute<{ id: string }>(sql`SELECT id FROM tags
          WHERE ${audience === 'public' ? sql`EXISTS (SELECT 1 FROM article_tags t WHERE t.tag_id = tags.id AND t.live_published_at <= ${at}) AND` : sql``}
          id > ${afterTag} ORDER BY id LIMIT ${limit - refs.length}`)
        for (const { id } of rows) refs.push({ type: 'tag', id })
      }
      if (refs.length < limit && audience === 'staff') {
        const afterMedia = from.type === 'media' ? from.id : ''
        const rows = await db.execute<{ id: string }>(sql`SELECT id FROM media WHERE id > ${afterMedia} ORDER BY id LIMIT ${limit - refs.length}`)
        for (const { id } of rows) refs.push({ type: 'media', id })
      }
      return refs
    },

    async publishDue () {
      const through = sql`(SELECT scheduled_through FROM change_state WHERE id = 1)`
      // Looked for outside a transaction first: most seconds nothing is due.
      if (!await first(db.select({ id: articles.id }).from(articles).where(dueBetween(through, now())).limit(1))) return 0
      return unitOfWork(db, async (tx) => {
        // Under the content write lock: one server of many logs each article once.
        const at = now()
        const due = await tx.select().from(articles).where(dueBetween(through, at)).orderBy(asc(articles.publishedAt), asc(articles.id))
        for (const record of due) {
          await appendChanges(tx, articleChanges('due', undefined, toArticle(record, await tagsOfArticle(tx, record.id), at)))
        }
        if (due.length > 0) await tx.execute(sql`UPDATE change_state SET scheduled_through = ${at} WHERE id = 1`)
        return due.length
      })
    },

    prune: (before) => unitOfWork(db, async (tx) => {
      // Never past what webhook deliveries were made from: an undelivered event is kept however old.
      const [row] = await tx.execute<{ last: string | null }>(sql`SELECT least(max(position), (SELECT dispatched_through FROM change_state WHERE id = 1)) AS last
        FROM change_log WHERE at < ${before}`)
      if (row?.last === null || row?.last === undefined) return 0
      await tx.execute(sql`UPDATE change_state SET pruned_through = greatest(pruned_through, ${row.last}) WHERE id = 1`)
      const removed = await tx.execute(sql`DELETE FROM change_log WHERE position <= ${row.last}`)
      return removed.count
    }, { content: false }),
  }
}
