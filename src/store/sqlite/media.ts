import { count, desc, eq, inArray, lt, sql } from 'drizzle-orm'
import { mediaChange } from '../../domain/change-log.js'
import type { MediaRecord } from '../../domain/records.js'
import { decodeCursor, encodeCursor } from '../../lib/cursor.js'
import { ConflictError, NotFoundError } from '../../lib/errors.js'
import { now } from '../../lib/ids.js'
import { pageOf } from '../page.js'
import { toMedia } from '../shapes.js'
import type { MediaStore } from '../store.js'
import { appendChanges, appendCoverArticles } from './change-log.js'
import type { Db } from './client.js'
import { articles, media } from './schema.js'
import { insertRow, unitOfWork, type Tx } from './unit-of-work.js'

/** A media record read in a unit of work: what an article's cover is made from. */
export const mediaById = (tx: Tx, id: string): MediaRecord | undefined => tx.select().from(media).where(eq(media.id, id)).get()

export function createMediaStore (db: Db): MediaStore {
  return {
    create: (record) => unitOfWork(db, (tx) => {
      insertRow(tx, media, record)
      appendChanges(tx, [mediaChange('media.created', toMedia(record))])
      return record
    }),

    async list (limit, cursor) {
      const after = cursor ? lt(media.id, decodeCursor(cursor, 'media', ['string'])[0] as string) : undefined
      const total = db.select({ n: count() }).from(media).get()?.n ?? 0
      const rows = db.select().from(media).where(after).orderBy(desc(media.id)).limit(limit + 1).all()
      return pageOf(rows, limit, total, (last) => encodeCursor('media', [last.id]), (page) => page)
    },

    byId: async (id) => mediaById(db, id),
    byIds: async (ids) => ids.length === 0 ? [] : db.select().from(media).where(inArray(media.id, ids)).all(),

    update: (id, changes) => unitOfWork(db, (tx) => {
      const current = mediaById(tx, id)
      if (!current) throw new NotFoundError('No media with this id')
      const next: MediaRecord = { ...current, ...changes, updatedAt: now() }
      tx.update(media).set({ ...changes, updatedAt: next.updatedAt }).where(eq(media.id, id)).run()
      if (next.alt !== current.alt || next.credit !== current.credit) {
        // The covers made of it: the alt where it was the media's own, and the credit. Sync clients look again.
        tx.run(sql`UPDATE articles SET cover_media = json_set(cover_media, '$.credit', ${next.credit}),
          cover_image_alt = CASE WHEN cover_image_alt = ${current.alt} THEN ${next.alt} ELSE cover_image_alt END
          WHERE cover_media_id = ${id}`)
        appendCoverArticles(tx, id)
      }
      appendChanges(tx, [mediaChange('media.updated', toMedia(next))])
      return next
    }),

    remove: (id) => unitOfWork(db, (tx) => {
      if (tx.select({ id: articles.id }).from(articles).where(eq(articles.coverMediaId, id)).limit(1).get()) {
        throw new ConflictError('An article uses this image as its cover: give it another cover, or purge it, first', 'MEDIA_IN_USE')
      }
      if (tx.delete(media).where(eq(media.id, id)).run().changes === 0) throw new NotFoundError('No media with this id')
      appendChanges(tx, [mediaChange('media.deleted', { id })])
    }),
  }
}
