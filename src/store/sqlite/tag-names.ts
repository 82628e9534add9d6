import { eq, or, sql } from 'drizzle-orm'
import type { TagRecord, TagRef } from '../../domain/records.js'
import { ConflictError } from '../../lib/errors.js'
import { newId, now } from '../../lib/ids.js'
import { lookalikeKey } from '../../lib/lookalike.js'
import { freeSlug, nameKey, slugFrom } from '../../lib/slugs.js'
import { tagChange } from '../../domain/change-log.js'
import { toTag } from '../shapes.js'
import { appendChanges } from './change-log.js'
import { tags } from './schema.js'
import { insertRow, prepared, type Tx } from './unit-of-work.js'

// Tag names and slugs are unique; a name is also taken by one in another case or in look-alike letters.

/** The tag whose name is this one in another case, or looks like it (Latin "T", Cyrillic "Т"). */
const sameName = (name: string) => or(eq(tags.nameKey, nameKey(name)), eq(tags.nameSkeleton, lookalikeKey(name)))

function tagSlugTaken (tx: Tx, slug: string, exceptId?: string): boolean {
  const row = tx.select({ id: tags.id }).from(tags).where(eq(tags.slug, slug)).get()
  return row !== undefined && row.id !== exceptId
}

export function assertNameFree (tx: Tx, name: string, exceptId?: string): void {
  const rows = tx.select({ id: tags.id, name: tags.name }).from(tags).where(sameName(name)).all()
  const other = rows.find((row) => row.id !== exceptId)
  if (other) throw new ConflictError(`A tag with this name, or one that looks the same, already exists: "${other.name}"`, 'TAG_NAME_TAKEN')
}

export function assertTagSlugFree (tx: Tx, slug: string, exceptId?: string): void {
  if (tagSlugTaken(tx, slug, exceptId)) throw new ConflictError(`The slug "${slug}" is taken`, 'SLUG_TAKEN')
}

export function insertTag (tx: Tx, name: string, slug: string | undefined, description: string | null): TagRecord {
  const at = now()
  const row: TagRecord = {
    id: newId(),
    slug: slug ?? freeSlug(slugFrom(name) || 'tag', (s) => tagSlugTaken(tx, s)),
    name,
    nameKey: nameKey(name),
    nameSkeleton: lookalikeKey(name),
    description,
    createdAt: at,
    updatedAt: at,
  }
  insertRow(tx, tags, row)
  // A new tag has no articles yet: the public cannot see it.
  appendChanges(tx, [tagChange('tag.created', toTag(row, 0), false)])
  return row
}

/**
 * The tags the values name, matched by slug, then by name in any case or look-alike letters; a value
 * that matches none becomes a new tag. In the values' order, each once.
 */
export function ensureTagRefs (tx: Tx, values: string[]): TagRef[] {
  const refs = new Map<string, TagRef>()
  const byValue = prepared(tx, 'tag by slug or name', (db) => db.select({ id: tags.id, slug: tags.slug, name: tags.name }).from(tags)
    .where(or(eq(tags.slug, sql.placeholder('slug')), eq(tags.nameKey, sql.placeholder('key')), eq(tags.nameSkeleton, sql.placeholder('skeleton')))).prepare())
  for (const value of values) {
    const found = byValue.get({ slug: value, key: nameKey(value), skeleton: lookalikeKey(value) }) ??
      insertTag(tx, value.normalize('NFC').trim().replace(/\s+/g, ' '), undefined, null)
    if (!refs.has(found.id)) refs.set(found.id, { id: found.id, slug: found.slug, name: found.name })
  }
  return [...refs.values()]
}
