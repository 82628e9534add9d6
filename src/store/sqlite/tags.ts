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
import type { Db } from './client.js'
import { appendChanges, appendTaggedArticles, tagIsPublic } from './change-log.js'
import { tags } from './schema.js'
import { assertNameFree, assertTagSlugFree, insertTag } from './tag-names.js'
import { unitOfWork, type Tx } from './unit-of-work.js'

// Counted in SQL, per audience. The public counts what is published now, from article_tags' copy of
// each live article's date (one range of a partial index, not a probe per tagged article); staff
// count all but the trash. Qualified by hand: drizzle leaves columns unqualified in single-table selects.
const articleCount = (audience: Audience): SQL<number> => audience === 'public'
  ? sql<number>`(SELECT count(*) FROM article_tags WHERE article_tags.tag_id = tags.id AND article_tags.live_published_at <= ${now()})`
  : sql<number>`(SELECT count(*) FROM article_tags JOIN articles ON articles.id = article_tags.article_id
    WHERE article_tags.tag_id = tags.id AND ${inState('all', now())})`
// The public sees a tag only while it has a published article: a tag only drafts or scheduled
// stories use must not reveal an embargoed topic.
const visibleTo = (audience: Audience): SQL | undefined => audience === 'public' ? sql`${articleCount('public')} > 0` : undefined

function find (tx: Tx, where: SQL, audience: Audience): Tag | undefined {
  const row = tx.select({ tag: tags, count: articleCount(audience) }).from(tags).where(and(where, visibleTo(audience))).get()
  return row && toTag(row.tag, row.count)
}

export function createTagStore (db: Db): TagStore {
  return {
    async list (query, audience) {
      const counted = articleCount(audience)
      const filters: Array<SQL | undefined> = [visibleTo(audience)]
      if (query.q) {
        const key = nameKey(query.q)
        filters.push(gte(tags.nameKey, key), lt(tags.nameKey, key + '\uffff'))
      }
      const total = db.select({ n: count() }).from(tags).where(and(...filters)).get()?.n ?? 0
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
      const rows = db.select({ tag: tags, count: counted }).from(tags).where(and(...filters))
        .orderBy(...order).limit(query.limit + 1).all()
      const cursorOf = (last: typeof rows[number]) => query.sort === 'name'
        ? encodeCursor('name', [last.tag.nameKey])
        : encodeCursor('-articleCount', [last.count, last.tag.nameKey])
      return pageOf(rows, query.limit, total, cursorOf, (page) => page.map((r) => toTag(r.tag, r.count)))
    },

    byId: async (id, audience) => find(db, eq(tags.id, id), audience),
    bySlug: async (slug, audience) => find(db, eq(tags.slug, slug), audience),

    create: (input) => unitOfWork(db, (tx) => {
      assertNameFree(tx, input.name)
      if (input.slug) assertTagSlugFree(tx, input.slug)
      return toTag(insertTag(tx, input.name, input.slug, input.description ?? null), 0)
    }),

    update: (id, patch, audience) => unitOfWork(db, (tx) => {
      const current = tx.select().from(tags).where(eq(tags.id, id)).get()
      if (!current) throw new NotFoundError('No tag with this id')
      const changes: Partial<TagRecord> = {}
      if (patch.name !== undefined && patch.name !== current.name) {
        assertNameFree(tx, patch.name, id)
        changes.nameKey = nameKey(patch.name)
        changes.nameSkeleton = lookalikeKey(patch.name)
        changes.name = patch.name
      }
      if (patch.slug !== undefined && patch.slug !== current.slug) {
        assertTagSlugFree(tx, patch.slug, id)
        changes.slug = patch.slug
      }
      if (patch.description !== undefined) changes.description = patch.description
      if (Object.keys(changes).length > 0) {
        tx.update(tags).set({ ...changes, updatedAt: now() }).where(eq(tags.id, id)).run()
        appendChanges(tx, [tagChange('tag.updated', find(tx, eq(tags.id, id), 'staff')!, tagIsPublic(tx, id))])
        // Articles show their tags' names and slugs.
        if (changes.name !== undefined || changes.slug !== undefined) appendTaggedArticles(tx, id)
      }
      return find(tx, eq(tags.id, id), audience)!
    }),

    backfillSkeletons: () => unitOfWork(db, (tx) => {
      const rows = tx.select({ id: tags.id, name: tags.name }).from(tags).where(isNull(tags.nameSkeleton)).all()
      // Two older tags that look alike keep their names; the second stays without a key.
      for (const row of rows) tx.run(sql`UPDATE OR IGNORE tags SET name_skeleton = ${lookalikeKey(row.name)} WHERE id = ${row.id}`)
      return rows.length
    }),

    remove: (id) => unitOfWork(db, (tx) => {
      const wasPublic = tagIsPublic(tx, id)
      // Before the delete takes the links with it: these articles lose the tag.
      appendTaggedArticles(tx, id)
      const result = tx.delete(tags).where(eq(tags.id, id)).run()
      if (result.changes === 0) throw new NotFoundError('No tag with this id')
      appendChanges(tx, [tagChange('tag.deleted', { id }, wasPublic)])
    }),
  }
}
