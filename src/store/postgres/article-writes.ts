import { eq } from 'drizzle-orm'
import { coverFields, coverMediaId, nextVersion, newArticle, planPatch, sameTags, type CoverFields } from '../../domain/article-changes.js'
import { articleChanges, type ArticleWrite } from '../../domain/change-log.js'
import { toArticle, type ArticleData } from '../../domain/article-view.js'
import type { ArticleRecord, TagRef } from '../../domain/records.js'
import { restoredContent } from '../../domain/revisions.js'
import { changesSearchText } from '../../domain/search-document.js'
import { ConflictError, NotFoundError } from '../../lib/errors.js'
import { newId, now } from '../../lib/ids.js'
import { slugFrom } from '../../lib/slugs.js'
import type { ArticlePatch, CoverImageInput } from '../../modules/articles/articles.schemas.js'
import type { ArticleStore, WriteContext } from '../store.js'
import { linkTags, tagsOfArticle } from './article-tags.js'
import { appendChanges } from './change-log.js'
import type { PgDb } from './client.js'
import { saveRevision, snapshotAt } from './revisions.js'
import { mediaById } from './media.js'
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

/** The record's fields for a requested cover, its media read in the write's unit of work. */
async function coverFor (tx: Tx, cover: CoverImageInput | null | undefined): Promise<CoverFields> {
  const mediaId = coverMediaId(cover)
  return coverFields(cover, mediaId === undefined ? undefined : await mediaById(tx, mediaId))
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
  const changes = planPatch(current.record, patch, at, patch.coverImage === undefined ? undefined : await coverFor(tx, patch.coverImage))
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
   * the change and the revision share them), runs the caller's precondition (If-Match), then `write`,
   * then appends what the write changed to the change log. Resolves to the article as the write left it.
   */
  function writing (id: string, context: WriteContext, kind: ArticleWrite, write: (tx: Tx, current: Current) => Promise<void>): Promise<ArticleData | undefined> {
    return unitOfWork(db, async (tx) => {
      const record = await first(tx.select().from(articles).where(eq(articles.id, id)).for('update'))
      if (!record) throw new NotFoundError('No article with this id')
      const current = { record, tags: await tagsOfArticle(tx, id) }
      const before = toArticle(record, current.tags, now())
      context.precondition?.(before)
      await write(tx, current)
      const after = kind === 'purge' ? undefined : await readBack(tx, id)
      await appendChanges(tx, articleChanges(kind, before, after))
      return after
    })
  }

  // Every write but a purge resolves to the article it left.
  const written = async (write: Promise<ArticleData | undefined>) => (await write)!

  return {
    create: (input, actor) => unitOfWork(db, async (tx) => {
      if (input.slug) await assertSlugFree(tx, input.slug)
      const at = now()
      const record = newArticle(input, newId(), input.slug ?? await generatedSlug(tx, slugFrom(input.title) || 'article'), at, await coverFor(tx, input.coverImage))
      await tx.insert(articles).values(record)
      const tags = await ensureTagRefs(tx, input.tags)
      await linkTags(tx, record.id, tags)
      await saveRevision(tx, record, tags, actor, at)
      await indexArticle(tx, record)
      const created = await readBack(tx, record.id)
      await appendChanges(tx, articleChanges('create', undefined, created))
      return created
    }),

    update: (id, patch, context) => written(writing(id, context, 'update', async (tx, current) => {
      await applyPatch(tx, current, patch, context.actor)
    })),

    trash: (id, context) => written(writing(id, context, 'trash', async (tx, current) => {
      if (!current.record.deletedAt) await commitVersion(tx, current, { deletedAt: now() }, null, context.actor)
    })),

    restore: (id, context) => written(writing(id, context, 'restore', async (tx, current) => {
      if (!current.record.deletedAt) throw new ConflictError('The article is not in the trash', 'NOT_IN_TRASH')
      await commitVersion(tx, current, { deletedAt: null }, null, context.actor)
    })),

    restoreRevision: (id, version, context) => written(writing(id, context, 'update', async (tx, current) => {
      const snapshot = await snapshotAt(tx, id, version)
      if (!snapshot) throw new NotFoundError('No such revision')
      await applyPatch(tx, current, restoredContent(snapshot), context.actor)
    })),

    purge: async (id, context) => {
      await writing(id, context, 'purge', async (tx) => {
        await removeFromIndex(tx, id)
        await tx.delete(articles).where(eq(articles.id, id))
      })
    },
  }
}
