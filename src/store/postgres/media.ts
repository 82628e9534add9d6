import { count, desc, eq, inArray, lt, sql } from 'drizzle-orm'
import { mediaChange } from '../../domain/change-log.js'
import type { MediaRecord } from '../../domain/records.js'
import { decodeCursor, encodeCursor } from '../../lib/cursor.js'
import { ConflictError, NotFoundError } from '../../lib/errors.js'
import { now } from '../../lib/ids.js'
import { pageOf } from '../page.js'
import { toMedia } from '../shapes.js'
import type { MediaStore } from '../store.js'
import { appendChanges } from './change-log.js'
import type { PgDb } from './client.js'
import { articles, media } from './schema.js'
import { first, unitOfWork, type Tx } from './unit-of-work.js'

/** A media record read in a unit of work: what an article's cover is made from. */
export const mediaById = (tx: Tx, id: string): Promise<MediaRecord | undefined> => first(tx.select().from(media).where(eq(media.id, id)))

export function createMediaStore (db: PgDb): MediaStore {
  return {
    create: (record) => unitOfWork(db, async (tx) => {
      await tx.insert(media).values(record)
      await appendChanges(tx, [mediaChange('media.created', toMedia(record))])
      return record
    }),

    async list (limit, cursor) {
      const after = cursor ? lt(media.id, decodeCursor(cursor, 'media', ['string'])[0] as string) : undefined
      const total = (await first(db.select({ n: count() }).from(media)))?.n ?? 0
      const rows = await db.select().from(media).where(after).orderBy(desc(media.id)).limit(limit + 1)
      return pageOf(rows, limit, total, (last) => encodeCursor('media', [last.id]), (page) => page)
    },

    byId: (id) => mediaById(db, id),
    byIds: async (ids) => ids.length === 0 ? [] : db.select().from(media).where(inArray(media.id, ids)),

    update: (id, changes) => unitOfWork(db, async (tx) => {
      const current = await first(tx.select().from(media).where(eq(media.id, id)).for('update'))
      if (!current) throw new NotFoundError('No media with this id')
      const next: MediaRecord = { ...current, ...changes, updatedAt: now() }
      await tx.update(media).set({ ...changes, updatedAt: next.updatedAt }).where(eq(media.id, id))
      if (next.alt !== current.alt || next.credit !== current.credit) {
        // The covers made of it: the alt where it was the media's own, and the credit. Sync clients look again.
        const covered = await tx.execute<{ id: string, live: boolean }>(sql`UPDATE articles
          SET cover_media = jsonb_set(cover_media, '{credit}', to_jsonb(${next.credit}::text)),
            cover_image_alt = CASE WHEN cover_image_alt = ${current.alt} THEN ${next.alt} ELSE cover_image_alt END
          WHERE cover_media_id = ${id}
          RETURNING id, (status = 'published' AND deleted_at IS NULL AND published_at <= ${next.updatedAt}) AS live`)
        const ids = [...covered].sort((a, b) => (a.id < b.id ? -1 : 1))
        await appendChanges(tx, ids.map((row) => ({ type: 'article', itemId: row.id, event: null, public: row.live, data: null })))
      }
      await appendChanges(tx, [mediaChange('media.updated', toMedia(next))])
      return next
    }),

    remove: (id) => unitOfWork(db, async (tx) => {
      if (await first(tx.select({ id: articles.id }).from(articles).where(eq(articles.coverMediaId, id)).limit(1))) {
        throw new ConflictError('An article uses this image as its cover: give it another cover, or purge it, first', 'MEDIA_IN_USE')
      }
      const removed = await tx.delete(media).where(eq(media.id, id)).returning({ id: media.id })
      if (removed.length === 0) throw new NotFoundError('No media with this id')
      await appendChanges(tx, [mediaChange('media.deleted', { id })])
    }),
  }
}
