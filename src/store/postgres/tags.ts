import { and, asc, count, desc, eq, gt, gte, isNull, lt, or, sql, type SQL } from 'drizzle-orm'
import { tagChange } from '../../domain/change-log.js'
import type { TagRecord } from '../../domain/records.js'
import type { Audience } from '../../lib/auth.js'
import { decodeCursor, encodeCursor } from '../../lib/cursor.js'
import { NotFoundError } from '../../lib/errors.js'
import { now } from '../../lib/ids.js'
import { lookalikeKey } from '../../lib/lookalike.js'
import { nameKey } from '../../lib/slugs.js'
import { pageOf } from '../page.js'
import type { Tag } from '../../modules/tags/tags.schemas.js'
import { toTag } from '../shapes.js'
import type { TagStore } from '../store.js'
import { inState } from './article-predicates.js'
import type { PgDb } from './client.js'
import { appendChanges, appendTaggedArticles, tagIsPublic } from './change-log.js'
import { tags } from './schema.js'
import { assertNameFree, assertTagSlugFree, insertTag } from './tag-names.js'
import { first, unitOfWork, type Tx } from './unit-of-work.js'

// Counted in SQL, per audience, as on SQLite (see the SQLite store's tags.ts).
const articleCount = (audience: Audience): SQL<number> => audience === 'public'
  ? sql<number>`(SELECT count(*)::int FROM article_tags WHERE article_tags.tag_id = tags.id AND article_tags.live_published_at <= ${now()})`
  : sql<number>`(SELECT count(*)::int FROM article_tags JOIN articles ON articles.id = article_tags.article_id
    WHERE article_tags.tag_id = tags.id AND ${inState('all', now())})`
const visibleTo = (audience: Audience): SQL | undefined => audience === 'public' ? sql`${articleCount('public')} > 0` : undefined

async function find (tx: Tx, where: SQL, audience: Audience): Promise<Tag | undefined> {
  const row = await first(tx.select({ tag: tags, count: articleCount(audience) }).from(tags).where(and(where, visibleTo(audience))))
  return row && toTag(row.tag, row.count)
}

export function createTagStore (db: PgDb): TagStore {
  return {
    async list (query, audience) {
      const counted = articleCount(audience)
      const filters: Array<SQL | undefined> = [visibleTo(audience)]
      if (query.q) {
        const key = nameKey(query.q)
        filters.push(gte(tags.nameKey, key), lt(tags.nameKey, key + '\uffff'))
      }
      const total = (await first(db.select({ n: count() }).from(tags).where(and(...filters))))?.n ?? 0
      if (query.cursor) {
        if (query.sort === 'name') {
          const [key] = decodeCursor(query.cursor, 'name', ['string'])
          filters.push(gt(tags.nameKey, key as string))
        } else {
          const [n, key] = decodeCursor(query.cursor, '-articleCount', ['number', 'string'])
          filters.push(or(lt(counted, n as number), and(eq(counted, n as number), gt(tags.nameKey, key as string)))!)
        }
      }
      const order = query.sort === 'name' ? [asc(tags.nameKey)] : [desc(counted), asc(tags.nameKey)]
      const rows = await db.select({ tag: tags, count: counted }).from(tags).where(and(...filters))
        .orderBy(...order).limit(query.limit + 1)
      const cursorOf = (last: typeof rows[number]) => query.sort === 'name'
        ? encodeCursor('name', [last.tag.nameKey])
        : encodeCursor('-articleCount', [last.count, last.tag.nameKey])
      return pageOf(rows, query.limit, total, cursorOf, (page) => page.map((r) => toTag(r.tag, r.count)))
    },

    byId: (id, audience) => find(db, eq(tags.id, id), audience),
    bySlug: (slug, audience) => find(db, eq(tags.slug, slug), audience),

    create: (input) => unitOfWork(db, async (tx) => {
      await assertNameFree(tx, input.name)
      if (input.slug) await assertTagSlugFree(tx, input.slug)
      return toTag(await insertTag(tx, input.name, input.slug, input.description ?? null), 0)
    }),

    update: (id, patch, audience) => unitOfWork(db, async (tx) => {
      const current = await first(tx.select().from(tags).where(eq(tags.id, id)).for('update'))
      if (!current) throw new NotFoundError('No tag with this id')
      const changes: Partial<TagRecord> = {}
      if (patch.name !== undefined && patch.name !== current.name) {
        await assertNameFree(tx, patch.name, id)
        changes.nameKey = nameKey(patch.name)
        changes.nameSkeleton = lookalikeKey(patch.name)
        changes.name = patch.name
      }
      if (patch.slug !== undefined && patch.slug !== current.slug) {
        await assertTagSlugFree(tx, patch.slug, id)
        changes.slug = patch.slug
      }
      if (patch.description !== undefined) changes.description = patch.description
      if (Object.keys(changes).length > 0) {
        await tx.update(tags).set({ ...changes, updatedAt: now() }).where(eq(tags.id, id))
        await appendChanges(tx, [tagChange('tag.updated', (await find(tx, eq(tags.id, id), 'staff'))!, await tagIsPublic(tx, id))])
        // Articles show their tags' names and slugs.
        if (changes.name !== undefined || changes.slug !== undefined) await appendTaggedArticles(tx, id)
      }
      return (await find(tx, eq(tags.id, id), audience))!
    }),

    backfillSkeletons: () => unitOfWork(db, async (tx) => {
      const rows = await tx.select({ id: tags.id, name: tags.name }).from(tags).where(isNull(tags.nameSkeleton))
      // Two older tags that look alike keep their names; the second stays without a key.
      for (const row of rows) {
        await tx.execute(sql`UPDATE tags SET name_skeleton = ${lookalikeKey(row.name)} WHERE id = ${row.id}
          AND NOT EXISTS (SELECT 1 FROM tags WHERE name_skeleton = ${lookalikeKey(row.name)})`)
      }
      return rows.length
    }),

    remove: (id) => unitOfWork(db, async (tx) => {
      const wasPublic = await tagIsPublic(tx, id)
      // Before the delete takes the links with it: these articles lose the tag.
      await appendTaggedArticles(tx, id)
      const removed = await tx.delete(tags).where(eq(tags.id, id)).returning({ id: tags.id })
      if (removed.length === 0) throw new NotFoundError('No tag with this id')
      await appendChanges(tx, [tagChange('tag.deleted', { id }, wasPublic)])
    }),
  }
}
