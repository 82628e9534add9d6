import { eq, sql } from 'drizzle-orm'
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
import type { Db } from './client.js'
import { saveRevision, snapshotAt } from './revisions.js'
import { mediaById } from './media.js'
import { articles } from './schema.js'
import { indexArticle, removeFromIndex, touchIndexed } from './search-index.js'
import { assertSlugFree, generatedSlug, moveSlug } from './slug-history.js'
import { ensureTagRefs } from './tag-names.js'
import { insertRow, prepared, unitOfWork, type Tx } from './unit-of-work.js'

export type ArticleWrites = Omit<ArticleStore, 'byId' | 'bySlug' | 'list' | 'counts'>

/** What a write of an article is handed: the record and its tags as they are, read once inside its unit of work. */
interface Current {
  record: ArticleRecord
  tags: TagRef[]
}

const articleById = (tx: Tx, id: string): ArticleRecord | undefined =>
  prepared(tx, 'article by id', (db) => db.select().from(articles).where(eq(articles.id, sql.placeholder('id'))).prepare()).get({ id })

/** The article as the write left it, read back in its unit of work: what the answer shows. */
function readBack (tx: Tx, id: string): ArticleData {
  return toArticle(articleById(tx, id)!, tagsOfArticle(tx, id), now())
}

/** The record's fields for a requested cover, its media read in the write's unit of work. */
function coverFor (tx: Tx, cover: CoverImageInput | null | undefined): CoverFields {
  const mediaId = coverMediaId(cover)
  return coverFields(cover, mediaId === undefined ? undefined : mediaById(tx, mediaId))
}

/** Writes the next version of the record, with these tags, and saves it as a revision. */
function commitVersion (tx: Tx, { record, tags }: Current, changes: Partial<ArticleRecord>, newTags: TagRef[] | null, actor: string): void {
  const at = now()
  const next = nextVersion(record, changes, at)
  tx.update(articles).set({ ...changes, version: next.version, updatedAt: at }).where(eq(articles.id, record.id)).run()
  if (newTags) linkTags(tx, record.id, newTags)
  saveRevision(tx, next, newTags ?? tags, actor, at)
  if (changesSearchText(changes)) indexArticle(tx, next)
  else touchIndexed(tx, next)
}

/** Applies a patch (domain/article-changes.ts says what changes); no new version when nothing does. */
function applyPatch (tx: Tx, current: Current, patch: ArticlePatch, actor: string): void {
  const at = now()
  const changes = planPatch(current.record, patch, at, patch.coverImage === undefined ? undefined : coverFor(tx, patch.coverImage))
  if (changes.slug !== undefined) {
    assertSlugFree(tx, changes.slug, current.record.id)
    moveSlug(tx, current.record.id, current.record.slug, changes.slug, at)
  }
  const refs = patch.tags === undefined ? null : ensureTagRefs(tx, patch.tags)
  const newTags = refs && !sameTags(current.tags, refs) ? refs : null
  if (Object.keys(changes).length > 0 || newTags) commitVersion(tx, current, changes, newTags, actor)
}

export function createArticleWrites (db: Db): ArticleWrites {
  /**
   * One unit of work on an existing article: loads it and its tags (once: the precondition, the
   * change and the revision share them), runs the caller's precondition, then `write`, then appends
   * what the write changed to the change log. Resolves to the article as the write left it.
   */
  function writing (id: string, context: WriteContext, kind: ArticleWrite, write: (tx: Tx, current: Current) => void): Promise<ArticleData | undefined> {
    return unitOfWork(db, (tx) => {
      const record = articleById(tx, id)
      if (!record) throw new NotFoundError('No article with this id')
      const current = { record, tags: tagsOfArticle(tx, id) }
      const before = toArticle(record, current.tags, now())
      context.precondition?.(before)
      write(tx, current)
      const after = kind === 'purge' ? undefined : readBack(tx, id)
      appendChanges(tx, articleChanges(kind, before, after))
      return after
    })
  }

  // Every write but a purge resolves to the article it left.
  const written = async (write: Promise<ArticleData | undefined>) => (await write)!

  return {
    create: (input, actor) => unitOfWork(db, (tx) => {
      if (input.slug) assertSlugFree(tx, input.slug)
      const at = now()
      const record = newArticle(input, newId(), input.slug ?? generatedSlug(tx, slugFrom(input.title) || 'article'), at, coverFor(tx, input.coverImage))
      insertRow(tx, articles, record)
      const tags = ensureTagRefs(tx, input.tags)
      linkTags(tx, record.id, tags)
      saveRevision(tx, record, tags, actor, at)
      indexArticle(tx, record)
      const created = readBack(tx, record.id)
      appendChanges(tx, articleChanges('create', undefined, created))
      return created
    }),

    update: (id, patch, context) => written(writing(id, context, 'update', (tx, current) => {
      applyPatch(tx, current, patch, context.actor)
    })),

    trash: (id, context) => written(writing(id, context, 'trash', (tx, current) => {
      if (!current.record.deletedAt) commitVersion(tx, current, { deletedAt: now() }, null, context.actor)
    })),

    restore: (id, context) => written(writing(id, context, 'restore', (tx, current) => {
      if (!current.record.deletedAt) throw new ConflictError('The article is not in the trash', 'NOT_IN_TRASH')
      commitVersion(tx, current, { deletedAt: null }, null, context.actor)
    })),

    restoreRevision: (id, version, context) => written(writing(id, context, 'update', (tx, current) => {
      const snapshot = snapshotAt(tx, id, version)
      if (!snapshot) throw new NotFoundError('No such revision')
      applyPatch(tx, current, restoredContent(snapshot), context.actor)
    })),

    purge: async (id, context) => {
      await writing(id, context, 'purge', (tx) => {
        removeFromIndex(tx, id)
        tx.delete(articles).where(eq(articles.id, id)).run()
      })
    },
  }
}
