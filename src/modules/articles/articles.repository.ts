import { and, asc, count, desc, eq, getTableColumns, gt, isNotNull, isNull, lt, ne, or, sql, type SQL } from 'drizzle-orm'
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core'
import type { Db } from '../../db/client.js'
import { articles, articleSlugs, articleTags, type ArticleRow } from '../../db/schema.js'
import type { Audience } from '../../lib/auth.js'
import { decodeCursor, encodeCursor } from '../../lib/cursor.js'
import { ConflictError, NotFoundError } from '../../lib/errors.js'
import { newId, now } from '../../lib/ids.js'
import { renderMarkdown } from '../../lib/markdown.js'
import { freeSlug, nameKey, slugFrom } from '../../lib/slugs.js'
import type { TagRepository } from '../tags/tags.repository.js'
import { toArticle, type ListRow, type TagRef } from './articles.mapping.js'
import { countPublishedTagged, taggedWithAny, type TagLoader } from './articles.tags.js'
import type { Article, ArticleCreate, ArticleListQuery, ArticlePatch } from './articles.schemas.js'
import { inState, visibleTo } from './articles.visibility.js'
import type { RevisionRepository } from './revisions.repository.js'
import type { SearchIndex } from '../search/search.index.js'

export type ArticleRepository = ReturnType<typeof createArticleRepository>

/** Who writes, and an optional check of the current article (e.g. If-Match) made inside the write's transaction. */
export interface WriteContext {
  actor: string
  precondition?: (current: Article) => void
}

const { body: _body, bodyHtml: _bodyHtml, ...summaryColumns } = getTableColumns(articles)

const sorts = {
  '-publishedAt': { column: articles.publishedAt, dir: 'desc', key: (r: ListRow) => r.publishedAt },
  publishedAt: { column: articles.publishedAt, dir: 'asc', key: (r: ListRow) => r.publishedAt },
  '-updatedAt': { column: articles.updatedAt, dir: 'desc', key: (r: ListRow) => r.updatedAt },
  title: { column: articles.titleKey, dir: 'asc', key: (r: ListRow) => r.titleKey },
} as const

/**
 * Rows strictly after (value, id) in ORDER BY column dir, id dir; SQLite sorts NULL lowest. The row
 * value comparison lets SQLite seek the (column, id) index straight to the cursor, so a page deep in
 * the list costs what the first one does; `nullable` adds the NULLs a descending walk ends with.
 */
function keysetAfter (column: SQLiteColumn, dir: 'asc' | 'desc', value: string | null, id: string, nullable: boolean): SQL {
  const beyond = dir === 'desc' ? lt : gt
  if (value === null) {
    const sameNull = and(isNull(column), beyond(articles.id, id))!
    return dir === 'desc' ? sameNull : or(sameNull, isNotNull(column))!
  }
  const after = sql`(${column}, ${articles.id}) ${sql.raw(dir === 'desc' ? '<' : '>')} (${value}, ${id})`
  return dir === 'desc' && nullable ? or(after, isNull(column))! : after
}

interface Deps {
  tagsOf: TagLoader
  tagRepo: TagRepository
  revisions: RevisionRepository
  search: SearchIndex
  publicUrl: string
}

export function createArticleRepository (db: Db, { tagsOf, tagRepo, revisions, search, publicUrl }: Deps) {
  const render = (row: ListRow, at: string) => toArticle(row, tagsOf([row.id]).get(row.id) ?? [], at, publicUrl) as Article

  // Reads by key are the hottest path: prepared once per key and audience, not built per request.
  const prepareFind = (key: SQLiteColumn, audience: Audience) =>
    db.select().from(articles).where(and(eq(key, sql.placeholder('key')), visibleTo(audience, sql.placeholder('at')))).prepare()
  const findBy = {
    id: { public: prepareFind(articles.id, 'public'), staff: prepareFind(articles.id, 'staff') },
    slug: { public: prepareFind(articles.slug, 'public'), staff: prepareFind(articles.slug, 'staff') },
  }
  const formerSlug = db.select({ articleId: articleSlugs.articleId }).from(articleSlugs).where(eq(articleSlugs.slug, sql.placeholder('slug'))).prepare()

  function find (key: keyof typeof findBy, value: string, audience: Audience): Article | undefined {
    const at = now()
    const row = findBy[key][audience].get({ key: value, at })
    return row && render(row, at)
  }

  function slugTaken (slug: string, exceptId = ''): boolean {
    return db.select({ id: articles.id }).from(articles).where(and(eq(articles.slug, slug), ne(articles.id, exceptId))).get() !== undefined ||
      db.select({ id: articleSlugs.articleId }).from(articleSlugs).where(and(eq(articleSlugs.slug, slug), ne(articleSlugs.articleId, exceptId))).get() !== undefined
  }

  // Every slug that is base itself or starts with "base-", current or former: one range of each index.
  const slugsLike = db.$client.prepare(`SELECT slug FROM articles WHERE slug = @base OR (slug >= @from AND slug < @to)
    UNION SELECT slug FROM article_slugs WHERE slug = @base OR (slug >= @from AND slug < @to)`).pluck()

  /** The first free slug of base, base-2, base-3…: the taken ones read in one query, not probed one by one. */
  function generatedSlug (base: string): string {
    const taken = new Set(slugsLike.all({ base, from: `${base}-`, to: `${base}.` }) as string[])
    // A candidate shortened to fit the length limit falls outside the range read: probed on its own.
    return freeSlug(base, (s) => taken.has(s) || (!s.startsWith(base) && slugTaken(s)))
  }

  function assertSlugFree (slug: string, exceptId?: string): void {
    if (slugTaken(slug, exceptId)) throw new ConflictError(`The slug "${slug}" is taken`, 'SLUG_TAKEN')
  }

  /** Links the tags the values name; returns them, or null when they are the ones linked already. */
  function setTags (articleId: string, before: TagRef[], values: string[]): TagRef[] | null {
    const refs = tagRepo.ensureRefs(values)
    if (before.map((t) => t.id).join() === refs.map((t) => t.id).join()) return null
    db.delete(articleTags).where(eq(articleTags.articleId, articleId)).run()
    if (refs.length > 0) db.insert(articleTags).values(refs.map((tag, position) => ({ articleId, tagId: tag.id, position }))).run()
    return refs
  }

  /** Writes a new version of the row, with these tags, and saves it as a revision. */
  function commitVersion (current: ArticleRow, changes: Partial<ArticleRow>, tags: TagRef[], actor: string): void {
    const at = now()
    const next = { ...current, ...changes, version: current.version + 1, updatedAt: at }
    db.update(articles).set({ ...changes, version: next.version, updatedAt: at }).where(eq(articles.id, current.id)).run()
    revisions.save(next, tags, actor, at)
    // The index holds the text, is keyed by the publication date, and copies updated_at and lang.
    if (changes.title !== undefined || changes.lead !== undefined || changes.bodyHtml !== undefined || changes.publishedAt !== undefined) search.index(next)
    else search.touch(next)
  }

  /**
   * Loads the article and its tags for a write (once: the precondition, the patch and the revision
   * share them), runs the caller's precondition, and hands both to `write`.
   */
  function writing (id: string, context: WriteContext, write: (current: ArticleRow, tags: TagRef[]) => void): Article {
    return db.transaction(() => {
      const current = db.select().from(articles).where(eq(articles.id, id)).get()
      if (!current) throw new NotFoundError('No article with this id')
      const tags = tagsOf([id]).get(id) ?? []
      context.precondition?.(toArticle(current, tags, now(), publicUrl) as Article)
      write(current, tags)
      return find('id', id, 'staff')!
    }, { behavior: 'immediate' })
  }

  /** Computes and applies a patch; no new version when nothing changes. */
  function applyPatch (current: ArticleRow, tags: TagRef[], patch: ArticlePatch, actor: string): void {
    const changes: Partial<ArticleRow> = {}
    const set = <K extends keyof ArticleRow>(key: K, value: ArticleRow[K]) => {
      if (value !== current[key]) changes[key] = value
    }
    if (patch.title !== undefined) {
      set('title', patch.title)
      set('titleKey', nameKey(patch.title))
    }
    if (patch.slug !== undefined && patch.slug !== current.slug) {
      assertSlugFree(patch.slug, current.id)
      set('slug', patch.slug)
      // The former slug keeps redirecting; a slug the article takes back stops being a redirect.
      db.delete(articleSlugs).where(eq(articleSlugs.slug, patch.slug)).run()
      db.insert(articleSlugs).values({ slug: current.slug, articleId: current.id, retiredAt: now() }).run()
    }
    if (patch.lead !== undefined) set('lead', patch.lead)
    if (patch.body !== undefined) {
      set('body', patch.body)
      if (changes.body !== undefined) set('bodyHtml', renderMarkdown(patch.body))
    }
    if (patch.status !== undefined) set('status', patch.status)
    if (patch.publishedAt !== undefined) set('publishedAt', patch.publishedAt)
    // Published without a date means published now.
    if ((changes.status ?? current.status) === 'published' && (changes.publishedAt ?? current.publishedAt) === null) {
      set('publishedAt', now())
    }
    if (patch.lang !== undefined) set('lang', patch.lang)
    if (patch.author !== undefined) set('author', patch.author)
    if (patch.coverImage !== undefined) {
      set('coverImageUrl', patch.coverImage?.url ?? null)
      set('coverImageAlt', patch.coverImage?.alt ?? null)
    }
    const newTags = patch.tags === undefined ? null : setTags(current.id, tags, patch.tags)
    if (Object.keys(changes).length > 0 || newTags) commitVersion(current, changes, newTags ?? tags, actor)
  }

  // Two statements: reading data_version through pragma_data_version in one SELECT costs twice as much.
  const ownChanges = db.$client.prepare('SELECT total_changes()').pluck()
  const othersChanges = db.$client.prepare('PRAGMA data_version').pluck()
  const contentVersion = db.$client.prepare('SELECT version FROM content_state WHERE id = 1').pluck()
  const nextScheduled = db.$client.prepare(
    "SELECT min(published_at) AS at FROM articles WHERE status = 'published' AND deleted_at IS NULL AND published_at > ?").pluck()
  let state = { changes: '', generation: '', until: 0 }

  return {
    /**
     * What public reads depend on: `generation` is the content version, which every write to articles,
     * tags and their links bumps (a token's last use does not); `until` is when the next scheduled
     * article goes live. The version is read only after something committed, on this connection
     * (total_changes) or another (data_version): two pragma reads on the hot path.
     */
    contentState (): { generation: string, until: number } {
      const changes = `${ownChanges.get() as number}.${othersChanges.get() as number}`
      if (changes !== state.changes || Date.now() >= state.until) {
        const generation = String(contentVersion.get() as number)
        // The next scheduled time can only move when content changed or when it has passed.
        const until = generation !== state.generation || Date.now() >= state.until
          ? (Date.parse((nextScheduled.get(now()) as string | null) ?? '') || Number.POSITIVE_INFINITY)
          : state.until
        state = { changes, generation, until }
      }
      return state
    },

    byId: (id: string, audience: Audience) => find('id', id, audience),

    /** By current slug; or, for a former slug, the current one to redirect to. */
    bySlug (slug: string, audience: Audience): { article: Article } | { redirectTo: string } | undefined {
      const article = find('slug', slug, audience)
      if (article) return { article }
      const former = formerSlug.get({ slug })
      const target = former && find('id', former.articleId, audience)
      return target ? { redirectTo: target.slug } : undefined
    },

    create (input: ArticleCreate, actor: string): Article {
      return db.transaction(() => {
        if (input.slug) assertSlugFree(input.slug)
        const at = now()
        const row: ArticleRow = {
          id: newId(),
          slug: input.slug ?? generatedSlug(slugFrom(input.title) || 'article'),
          title: input.title,
          titleKey: nameKey(input.title),
          lead: input.lead ?? null,
          body: input.body,
          bodyHtml: renderMarkdown(input.body),
          status: input.status,
          publishedAt: input.publishedAt ?? (input.status === 'published' ? at : null),
          deletedAt: null,
          lang: input.lang,
          author: input.author ?? null,
          coverImageUrl: input.coverImage?.url ?? null,
          coverImageAlt: input.coverImage?.alt ?? null,
          version: 1,
          createdAt: at,
          updatedAt: at,
        }
        db.insert(articles).values(row).run()
        revisions.save(row, setTags(row.id, [], input.tags) ?? [], actor, at)
        search.index(row)
        return find('id', row.id, 'staff')!
      }, { behavior: 'immediate' })
    },

    update: (id: string, patch: ArticlePatch, context: WriteContext) =>
      writing(id, context, (current, tags) => applyPatch(current, tags, patch, context.actor)),

    /** To the trash: gone from public reads, kept for staff and restore. */
    trash: (id: string, context: WriteContext) => writing(id, context, (current, tags) => {
      if (!current.deletedAt) commitVersion(current, { deletedAt: now() }, tags, context.actor)
    }),

    /** Back from the trash, as it was. */
    restore: (id: string, context: WriteContext) => writing(id, context, (current, tags) => {
      if (!current.deletedAt) throw new ConflictError('The article is not in the trash', 'NOT_IN_TRASH')
      commitVersion(current, { deletedAt: null }, tags, context.actor)
    }),

    /**
     * Makes an old revision's content the next version; its status, publishedAt and slug stay as they
     * are now (restoring v1 of a live story must not unpublish it). History is never rewritten.
     */
    restoreRevision: (id: string, version: number, context: WriteContext) => writing(id, context, (current, tags) => {
      const snapshot = revisions.snapshot(id, version)
      if (!snapshot) throw new NotFoundError('No such revision')
      const { row } = snapshot
      applyPatch(current, tags, {
        title: row.title,
        lead: row.lead,
        body: row.body,
        lang: row.lang,
        author: row.author,
        coverImage: row.coverImageUrl ? { url: row.coverImageUrl, alt: row.coverImageAlt ?? '' } : null,
        tags: snapshot.tags.map((t) => t.slug),
      }, context.actor)
    }),

    /** Gone for good, with its tags links, revisions and former slugs. */
    purge (id: string, context: WriteContext): void {
      db.transaction(() => {
        const current = db.select().from(articles).where(eq(articles.id, id)).get()
        if (!current) throw new NotFoundError('No article with this id')
        context.precondition?.(render(current, now()))
        search.remove(id)
        db.delete(articles).where(eq(articles.id, id)).run()
      }, { behavior: 'immediate' })
    },

    /**
     * A page of articles. `since` (published strictly after, for polling) and `countTotal` serve the
     * feed, which needs neither a total nor the filters only staff use.
     */
    list (query: ArticleListQuery & { since?: string }, audience: Audience, { countTotal = true } = {}) {
      const at = now()
      const state = audience === 'public' ? 'published' : query.status ?? 'published'
      const filters: SQL[] = [inState(state, at)]
      if (query.since) filters.push(gt(articles.publishedAt, query.since))
      if (query.lang) filters.push(eq(articles.lang, query.lang))
      if (query.publishedAfter) filters.push(gt(articles.publishedAt, query.publishedAfter))
      if (query.publishedBefore) filters.push(lt(articles.publishedAt, query.publishedBefore))
      const tagged = query.tag === undefined ? undefined : taggedWithAny(db, query.tag)
      if (tagged === null) return { items: [], nextCursor: null, total: 0 }
      if (tagged) filters.push(tagged.where)
      let total = 0
      if (countTotal) {
        total = tagged && state === 'published' && !query.lang && !query.since
          ? countPublishedTagged(db, tagged.tagIds, at, query.publishedAfter, query.publishedBefore)
          : db.select({ n: count() }).from(articles).where(and(...filters)).get()?.n ?? 0
      }

      const sort = sorts[query.sort]
      if (query.cursor) {
        const [value, id] = decodeCursor(query.cursor, query.sort, ['nullable-string', 'string']) as [string | null, string]
        // Only drafts (and lists that include them) lack a publication date.
        const nullable = sort.column === articles.publishedAt && state !== 'published' && state !== 'scheduled'
        // First in the WHERE: of two bounds on the index's first column, SQLite seeks by the first.
        filters.unshift(keysetAfter(sort.column, sort.dir, value, id, nullable))
      }
      const order = sort.dir === 'desc' ? [desc(sort.column), desc(articles.id)] : [asc(sort.column), asc(articles.id)]
      const columns = query.include === 'body' ? getTableColumns(articles) : summaryColumns
      const rows: ListRow[] = db.select(columns).from(articles).where(and(...filters)).orderBy(...order).limit(query.limit + 1).all()

      const pageRows = rows.slice(0, query.limit)
      const last = pageRows.at(-1)
      const nextCursor = rows.length > query.limit && last ? encodeCursor(query.sort, [sort.key(last), last.id]) : null
      const tagMap = tagsOf(pageRows.map((r) => r.id))
      return { items: pageRows.map((r) => toArticle(r, tagMap.get(r.id) ?? [], at, publicUrl)), nextCursor, total }
    },
  }
}
