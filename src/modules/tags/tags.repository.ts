import { and, asc, count, desc, eq, gt, gte, isNull, lt, or, sql, type SQL } from 'drizzle-orm'
import type { Db } from '../../db/client.js'
import { tags, type TagRow } from '../../db/schema.js'
import { inState } from '../articles/articles.visibility.js'
import { decodeCursor, encodeCursor } from '../../lib/cursor.js'
import { ConflictError, NotFoundError } from '../../lib/errors.js'
import { newId, now } from '../../lib/ids.js'
import { lookalikeKey } from '../../lib/lookalike.js'
import { freeSlug, nameKey, slugFrom } from '../../lib/slugs.js'
import type { Audience } from '../../lib/auth.js'
import type { Tag, TagCreate, TagListQuery, TagPatch } from './tags.schemas.js'

export type TagRepository = ReturnType<typeof createTagRepository>

export function createTagRepository (db: Db) {
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

  const toTag = (row: TagRow, count: number): Tag => ({
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    articleCount: count,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  })

  function find (where: SQL, audience: Audience): Tag | undefined {
    const row = db.select({ tag: tags, count: articleCount(audience) }).from(tags).where(and(where, visibleTo(audience))).get()
    return row && toTag(row.tag, row.count)
  }

  function slugTaken (slug: string, exceptId?: string): boolean {
    const row = db.select({ id: tags.id }).from(tags).where(eq(tags.slug, slug)).get()
    return row !== undefined && row.id !== exceptId
  }

  /** The tag whose name is this one in another case, or looks like it (Latin "T", Cyrillic "Т"). */
  const sameName = (name: string) => or(eq(tags.nameKey, nameKey(name)), eq(tags.nameSkeleton, lookalikeKey(name)))

  function assertNameFree (name: string, exceptId?: string): void {
    const rows = db.select({ id: tags.id, name: tags.name }).from(tags).where(sameName(name)).all()
    const other = rows.find((row) => row.id !== exceptId)
    if (other) throw new ConflictError(`A tag with this name, or one that looks the same, already exists: "${other.name}"`, 'TAG_NAME_TAKEN')
  }

  function assertSlugFree (slug: string, exceptId?: string): void {
    if (slugTaken(slug, exceptId)) throw new ConflictError(`The slug "${slug}" is taken`, 'SLUG_TAKEN')
  }

  function insert (name: string, slug: string | undefined, description: string | null): TagRow {
    const at = now()
    const row = {
      id: newId(),
      slug: slug ?? freeSlug(slugFrom(name) || 'tag', (s) => slugTaken(s)),
      name,
      nameKey: nameKey(name),
      nameSkeleton: lookalikeKey(name),
      description,
      createdAt: at,
      updatedAt: at,
    }
    db.insert(tags).values(row).run()
    return row
  }

  return {
    list (query: TagListQuery, audience: Audience) {
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
      const pageRows = rows.slice(0, query.limit)
      const last = pageRows.at(-1)
      const nextCursor = rows.length > query.limit && last
        ? (query.sort === 'name'
            ? encodeCursor('name', [last.tag.nameKey])
            : encodeCursor('-articleCount', [last.count, last.tag.nameKey]))
        : null
      return { items: pageRows.map((r) => toTag(r.tag, r.count)), nextCursor, total }
    },

    byId: (id: string, audience: Audience) => find(eq(tags.id, id), audience),
    bySlug: (slug: string, audience: Audience) => find(eq(tags.slug, slug), audience),

    create (input: TagCreate): Tag {
      return db.transaction(() => {
        assertNameFree(input.name)
        if (input.slug) assertSlugFree(input.slug)
        return toTag(insert(input.name, input.slug, input.description ?? null), 0)
      }, { behavior: 'immediate' })
    },

    /**
     * The tags the values name, matched by slug, then by name in any case or look-alike letters; a
     * value that matches none becomes a new tag. In the values' order, each once. Runs inside the
     * caller's transaction.
     */
    ensureRefs (values: string[]): Array<{ id: string, slug: string, name: string }> {
      const refs = new Map<string, { id: string, slug: string, name: string }>()
      for (const value of values) {
        const found = db.select({ id: tags.id, slug: tags.slug, name: tags.name }).from(tags).where(or(eq(tags.slug, value), sameName(value))).get() ??
          insert(value.normalize('NFC').trim().replace(/\s+/g, ' '), undefined, null)
        if (!refs.has(found.id)) refs.set(found.id, { id: found.id, slug: found.slug, name: found.name })
      }
      return [...refs.values()]
    },

    update (id: string, patch: TagPatch, audience: Audience): Tag {
      return db.transaction(() => {
        const current = db.select().from(tags).where(eq(tags.id, id)).get()
        if (!current) throw new NotFoundError('No tag with this id')
        const changes: Partial<TagRow> = {}
        if (patch.name !== undefined && patch.name !== current.name) {
          assertNameFree(patch.name, id)
          changes.nameKey = nameKey(patch.name)
          changes.nameSkeleton = lookalikeKey(patch.name)
          changes.name = patch.name
        }
        if (patch.slug !== undefined && patch.slug !== current.slug) {
          assertSlugFree(patch.slug, id)
          changes.slug = patch.slug
        }
        if (patch.description !== undefined) changes.description = patch.description
        if (Object.keys(changes).length > 0) {
          db.update(tags).set({ ...changes, updatedAt: now() }).where(eq(tags.id, id)).run()
        }
        return find(eq(tags.id, id), audience)!
      }, { behavior: 'immediate' })
    },

    /** Fills the look-alike key of tags from before it existed; returns how many it filled. */
    backfillSkeletons (): number {
      return db.transaction(() => {
        const rows = db.select({ id: tags.id, name: tags.name }).from(tags).where(isNull(tags.nameSkeleton)).all()
        // Two older tags that look alike keep their names; the second stays without a key.
        const update = db.$client.prepare('UPDATE OR IGNORE tags SET name_skeleton = ? WHERE id = ?')
        for (const row of rows) update.run(lookalikeKey(row.name), row.id)
        return rows.length
      }, { behavior: 'immediate' })
    },

    remove (id: string): void {
      const result = db.delete(tags).where(eq(tags.id, id)).run()
      if (result.changes === 0) throw new NotFoundError('No tag with this id')
    },
  }
}
