import { eq } from 'drizzle-orm'
import { nextVersion, newArticle, planPatch, sameTags } from '../../domain/article-changes.js'
import { toArticle, type ArticleData } from '../../domain/article-view.js'
import type { ArticleRecord, TagRef } from '../../domain/records.js'
import { restoredContent } from '../../domain/revisions.js'
import { changesSearchText } from '../../domain/search-document.js'
import { ConflictError, NotFoundError } from '../../lib/errors.js'
import { newId, now } from '../../lib/ids.js'
import { slugFrom } from '../../lib/slugs.js'
import type { ArticlePatch } from '../../modules/articles/articles.schemas.js'
import type { ArticleStore, WriteContext } from '../store.js'
import { linkTags, tagsOfArticle } from './article-tags.js'
import type { PgDb } from './client.js'
import { saveRevision, snapshotAt } from './revisions.js'
import { articles } from './schema.js'
import { indexArticle, removeFromIndex, touchIndexed } from './search-index.js'
import { assertSlugFree, generatedSlug, moveSlug } from './slug-history.js'
import { ensureTagRefs } from './tag-names.js'
import { first, unitOfWork, type Tx } from './unit-of-work.js'

export type ArticleWrites = Omit<ArticleStore, 'byId' | 'bySlug' | 'list' | 'counts'>

/** What a write of an article is handed: the record and its tags as they are, read once inside its unit of work. */
interface Current {
  record: ArticleRecord
  tags: TagRef[]
}

/** The article as the write left it, read back in its unit of work: what the answer shows. */
async function readBack (tx: Tx, id: string): Promise<ArticleData> {
  const record = await first(tx.select().from(articles).where(eq(articles.id, id)))
  return toArticle(record!, await tagsOfArticle(tx, id), now())
}

/** Writes the next version of the record, with these tags, and saves it as a revision. */
async function commitVersion (tx: Tx, { record, tags }: Current, changes: Partial<ArticleRecord>, newTags: TagRef[] | null, actor: string): Promise<void> {
  const at = now()
  const next = nextVersion(record, changes, at)
  await tx.update(articles).set({ ...changes, version: next.version, updatedAt: at }).where(eq(articles.id, record.id))
  if (newTags) await linkTags(tx, record.id, newTags)
  await saveRevision(tx, next, newTags ?? tags, actor, at)
  if (changesSearchText(changes)) await indexArticle(tx, next)
  else await touchIndexed(tx, next)
}

/** Applies a patch (domain/article-changes.ts says what changes); no new version when nothing does. */
async function applyPatch (tx: Tx, current: Current, patch: ArticlePatch, actor: string): Promise<void> {
  const at = now()
  const changes = planPatch(current.record, patch, at)
  if (changes.slug !== undefined) {
    await assertSlugFree(tx, changes.slug, current.record.id)
    await moveSlug(tx, current.record.id, current.record.slug, changes.slug, at)
  }
  const refs = patch.tags === undefined ? null : await ensureTagRefs(tx, patch.tags)
  const newTags = refs && !sameTags(current.tags, refs) ? refs : null
  if (Object.keys(changes).length > 0 || newTags) await commitVersion(tx, current, changes, newTags, actor)
}

export function createArticleWrites (db: PgDb): ArticleWrites {
  /**
   * One unit of work on an existing article: loads it FOR UPDATE and its tags (once: the precondition,
   * the change and the revision share them), runs the caller's precondition (If-Match), then `write`.
   */
  function writing<T> (id: string, context: WriteContext, write: (tx: Tx, current: Current) => Promise<T>): Promise<T> {
    return unitOfWork(db, async (tx) => {
      const record = await first(tx.select().from(articles).where(eq(articles.id, id)).for('update'))
      if (!record) throw new NotFoundError('No article with this id')
      const current = { record, tags: await tagsOfArticle(tx, id) }
      context.precondition?.(toArticle(record, current.tags, now()))
      return write(tx, current)
    })
  }

  return {
    create: (input, actor) => unitOfWork(db, async (tx) => {
      if (input.slug) await assertSlugFree(tx, input.slug)
      const at = now()
      const record = newArticle(input, newId(), input.slug ?? await generatedSlug(tx, slugFrom(input.title) || 'article'), at)
      await tx.insert(articles).values(record)
      const tags = await ensureTagRefs(tx, input.tags)
      await linkTags(tx, record.id, tags)
      await saveRevision(tx, record, tags, actor, at)
      await indexArticle(tx, record)
      return readBack(tx, record.id)
    }),

    update: (id, patch, context) => writing(id, context, async (tx, current) => {
      await applyPatch(tx, current, patch, context.actor)
      return readBack(tx, id)
    }),

    trash: (id, context) => writing(id, context, async (tx, current) => {
      if (!current.record.deletedAt) await commitVersion(tx, current, { deletedAt: now() }, null, context.actor)
      return readBack(tx, id)
    }),

    restore: (id, context) => writing(id, context, async (tx, current) => {
      if (!current.record.deletedAt) throw new ConflictError('The article is not in the trash', 'NOT_IN_TRASH')
      await commitVersion(tx, current, { deletedAt: null }, null, context.actor)
      return readBack(tx, id)
    }),

    restoreRevision: (id, version, context) => writing(id, context, async (tx, current) => {
      const snapshot = await snapshotAt(tx, id, version)
      if (!snapshot) throw new NotFoundError('No such revision')
      await applyPatch(tx, current, restoredContent(snapshot), context.actor)
      return readBack(tx, id)
    }),

    purge: (id, context) => writing(id, context, async (tx) => {
      await removeFromIndex(tx, id)
      await tx.delete(articles).where(eq(articles.id, id))
    }),
  }
}
