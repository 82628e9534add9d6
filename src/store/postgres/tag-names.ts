import { eq, or } from 'drizzle-orm'
import type { TagRecord, TagRef } from '../../domain/records.js'
import { ConflictError } from '../../lib/errors.js'
import { newId, now } from '../../lib/ids.js'
import { lookalikeKey } from '../../lib/lookalike.js'
import { nameKey, slugCandidates, slugFrom } from '../../lib/slugs.js'
import { tagChange } from '../../domain/change-log.js'
import { toTag } from '../shapes.js'
import { appendChanges } from './change-log.js'
import { tags } from './schema.js'
import { first, type Tx } from './unit-of-work.js'

// Tag names and slugs are unique; a name is also taken by one in another case or in look-alike letters.

const sameName = (name: string) => or(eq(tags.nameKey, nameKey(name)), eq(tags.nameSkeleton, lookalikeKey(name)))

async function tagSlugTaken (tx: Tx, slug: string, exceptId?: string): Promise<boolean> {
  const row = await first(tx.select({ id: tags.id }).from(tags).where(eq(tags.slug, slug)))
  return row !== undefined && row.id !== exceptId
}

export async function assertNameFree (tx: Tx, name: string, exceptId?: string): Promise<void> {
  const rows = await tx.select({ id: tags.id, name: tags.name }).from(tags).where(sameName(name))
  const other = rows.find((row) => row.id !== exceptId)
  if (other) throw new ConflictError(`A tag with this name, or one that looks the same, already exists: "${other.name}"`, 'TAG_NAME_TAKEN')
}

export async function assertTagSlugFree (tx: Tx, slug: string, exceptId?: string): Promise<void> {
  if (await tagSlugTaken(tx, slug, exceptId)) throw new ConflictError(`The slug "${slug}" is taken`, 'SLUG_TAKEN')
}

async function freeTagSlug (tx: Tx, base: string): Promise<string> {
  for (const candidate of slugCandidates(base)) if (!await tagSlugTaken(tx, candidate)) return candidate
  throw new Error('unreachable')
}

export async function insertTag (tx: Tx, name: string, slug: string | undefined, description: string | null): Promise<TagRecord> {
  const at = now()
  const row: TagRecord = {
    id: newId(),
    slug: slug ?? await freeTagSlug(tx, slugFrom(name) || 'tag'),
    name,
    nameKey: nameKey(name),
    nameSkeleton: lookalikeKey(name),
    description,
    createdAt: at,
    updatedAt: at,
  }
  await tx.insert(tags).values(row)
  // A new tag has no articles yet: the public cannot see it.
  await appendChanges(tx, [tagChange('tag.created', toTag(row, 0), false)])
  return row
}

/**
 * The tags the values name, matched by slug, then by name in any case or look-alike letters; a value
 * that matches none becomes a new tag. In the values' order, each once.
 */
export async function ensureTagRefs (tx: Tx, values: string[]): Promise<TagRef[]> {
  const refs = new Map<string, TagRef>()
  for (const value of values) {
    const found = await first(tx.select({ id: tags.id, slug: tags.slug, name: tags.name }).from(tags)
      .where(or(eq(tags.slug, value), eq(tags.nameKey, nameKey(value)), eq(tags.nameSkeleton, lookalikeKey(value))))) ??
      await insertTag(tx, value.normalize('NFC').trim().replace(/\s+/g, ' '), undefined, null)
    if (!refs.has(found.id)) refs.set(found.id, { id: found.id, slug: found.slug, name: found.name })
  }
  return [...refs.values()]
}
