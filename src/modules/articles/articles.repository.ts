import { and, asc, count, desc, eq, getTableColumns, gt, inArray, isNotNull, isNull, lt, ne, or, sql, type SQL } from 'drizzle-orm'
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core'
import type { Db } from '../../db/client.js'
import { articles, articleTags, tags, type ArticleRow } from '../../db/schema.js'
import type { Audience } from '../../lib/auth.js'
import { decodeCursor, encodeCursor } from '../../lib/cursor.js'
import { ConflictError, NotFoundError } from '../../lib/errors.js'
import { newId, now } from '../../lib/ids.js'
import { renderMarkdown } from '../../lib/markdown.js'
import { freeSlug, nameKey, slugFrom } from '../../lib/slugs.js'
import type { TagRepository } from '../tags/tags.repository.js'
import type { Article, ArticleCreate, ArticleListQuery, ArticlePatch } from './articles.schemas.js'
import { inState, stateOf, visibleTo } from './articles.visibility.js'

export type ArticleRepository = ReturnType<typeof createArticleRepository>

type TagRef = Article['tags'][number]
type ListRow = Omit<ArticleRow, 'body' | 'bodyHtml'> & Partial<Pick<ArticleRow, 'body' | 'bodyHtml'>>

const { body: _body, bodyHtml: _bodyHtml, ...summaryColumns } = getTableColumns(articles)

// Each sort: its column, direction and whether the column can be NULL (drafts have no publishedAt).
const sorts = {
  '-publishedAt': { column: articles.publishedAt, dir: 'desc', key: (r: ListRow) => r.publishedAt },
  publishedAt: { column: articles.publishedAt, dir: 'asc', key: (r: ListRow) => r.publishedAt },
  '-updatedAt': { column: articles.updatedAt, dir: 'desc', key: (r: ListRow) => r.updatedAt },
  title: { column: articles.titleKey, dir: 'asc', key: (r: ListRow) => r.titleKey },
} as const

/** Rows strictly after (value, id) in ORDER BY column dir, id dir; SQLite sorts NULL lowest. */
function keysetAfter (column: SQLiteColumn, dir: 'asc' | 'desc', value: string | null, id: string): SQL {
  const beyond = dir === 'desc' ? lt : gt
  if (value === null) {
    const sameNull = and(isNull(column), beyond(articles.id, id))!
    return dir === 'desc' ? sameNull : or(sameNull, isNotNull(column))!
  }
  const after = or(beyond(column, value), and(eq(column, value), beyond(articles.id, id)))!
  return dir === 'desc' ? or(after, isNull(column))! : after
}

export function createArticleRepository (db: Db, { tagRepo, publicUrl }: { tagRepo: TagRepository, publicUrl: string }) {
  function tagsOf (articleIds: string[]): Map<string, TagRef[]> {
    const byArticle = new Map<string, TagRef[]>()
    if (articleIds.length === 0) return byArticle
    const rows = db.select({ articleId: articleTags.articleId, id: tags.id, slug: tags.slug, name: tags.name })
      .from(articleTags).innerJoin(tags, eq(tags.id, articleTags.tagId))
      .where(inArray(articleTags.articleId, articleIds))
      .orderBy(articleTags.articleId, articleTags.position).all()
    for (const { articleId, ...tag } of rows) {
      const list = byArticle.get(articleId)
      if (list) list.push(tag)
      else byArticle.set(articleId, [tag])
    }
    return byArticle
  }

  function toArticle (row: ListRow, tagRefs: TagRef[], at: string) {
    return {
      id: row.id,
      slug: row.slug,
      title: row.title,
      lead: row.lead,
      ...(row.body === undefined ? {} : { body: row.body, bodyHtml: row.bodyHtml }),
      status: stateOf(row, at),
      publishedAt: row.publishedAt,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      version: row.version,
      lang: row.lang,
      author: row.author,
      coverImage: row.coverImageUrl ? { url: row.coverImageUrl, alt: row.coverImageAlt ?? '' } : null,
      tags: tagRefs,
      url: `${publicUrl}/v1/articles/slug/${row.slug}`,
    }
  }

  function find (where: SQL, audience: Audience): Article | undefined {
    const at = now()
    const row = db.select().from(articles).where(and(where, visibleTo(audience, at))).get()
    return row && toArticle(row, tagsOf([row.id]).get(row.id) ?? [], at) as Article
  }

  function slugTaken (slug: string, exceptId = ''): boolean {
    return db.select({ id: articles.id }).from(articles).where(and(eq(articles.slug, slug), ne(articles.id, exceptId))).get() !== undefined
  }

  function assertSlugFree (slug: string, exceptId?: string): void {
    if (slugTaken(slug, exceptId)) throw new ConflictError(`The slug "${slug}" is taken`, 'SLUG_TAKEN')
  }

  function setTags (articleId: string, values: string[]): void {
    db.delete(articleTags).where(eq(articleTags.articleId, articleId)).run()
    const ids = tagRepo.ensureIds(values)
    if (ids.length > 0) db.insert(articleTags).values(ids.map((tagId, position) => ({ articleId, tagId, position }))).run()
  }

  return {
    byId: (id: string, audience: Audience) => find(eq(articles.id, id), audience),
    bySlug: (slug: string, audience: Audience) => find(eq(articles.slug, slug), audience),

    create (input: ArticleCreate): Article {
      return db.transaction(() => {
        if (input.slug) assertSlugFree(input.slug)
        const at = now()
        const id = newId()
        db.insert(articles).values({
          id,
          slug: input.slug ?? freeSlug(slugFrom(input.title) || 'article', (s) => slugTaken(s)),
          title: input.title,
          titleKey: nameKey(input.title),
          lead: input.lead ?? null,
          body: input.body,
          bodyHtml: renderMarkdown(input.body),
          status: input.status,
          publishedAt: input.publishedAt ?? (input.status === 'published' ? at : null),
          lang: input.lang,
          author: input.author ?? null,
          coverImageUrl: input.coverImage?.url ?? null,
          coverImageAlt: input.coverImage?.alt ?? null,
          version: 1,
          createdAt: at,
          updatedAt: at,
        }).run()
        setTags(id, input.tags)
        return find(eq(articles.id, id), 'staff')!
      }, { behavior: 'immediate' })
    },

    /** Applies a partial update; bumps version when anything changed. */
    update (id: string, patch: ArticlePatch): Article {
      return db.transaction(() => {
        const current = db.select().from(articles).where(eq(articles.id, id)).get()
        if (!current) throw new NotFoundError('No article with this id')
        const changes: Partial<ArticleRow> = {}
        const set = <K extends keyof ArticleRow>(key: K, value: ArticleRow[K]) => {
          if (value !== current[key]) changes[key] = value
        }
        if (patch.title !== undefined) {
          set('title', patch.title)
          set('titleKey', nameKey(patch.title))
        }
        if (patch.slug !== undefined && patch.slug !== current.slug) {
          assertSlugFree(patch.slug, id)
          set('slug', patch.slug)
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
        let tagsChanged = false
        if (patch.tags !== undefined) {
          const before = (tagsOf([id]).get(id) ?? []).map((t) => t.id)
          setTags(id, patch.tags)
          const after = (tagsOf([id]).get(id) ?? []).map((t) => t.id)
          tagsChanged = before.join() !== after.join()
        }
        if (Object.keys(changes).length > 0 || tagsChanged) {
          db.update(articles).set({ ...changes, version: current.version + 1, updatedAt: now() }).where(eq(articles.id, id)).run()
        }
        return find(eq(articles.id, id), 'staff')!
      }, { behavior: 'immediate' })
    },

    /** To the trash: gone from public reads, kept for staff and restore. */
    trash (id: string): void {
      const at = now()
      const result = db.update(articles).set({ deletedAt: at, updatedAt: at, version: sql`${articles.version} + 1` })
        .where(and(eq(articles.id, id), isNull(articles.deletedAt))).run()
      if (result.changes === 0 && !db.select({ id: articles.id }).from(articles).where(eq(articles.id, id)).get()) {
        throw new NotFoundError('No article with this id')
      }
    },

    /** Back from the trash, as it was. */
    restore (id: string): Article {
      const at = now()
      const result = db.update(articles).set({ deletedAt: null, updatedAt: at, version: sql`${articles.version} + 1` })
        .where(and(eq(articles.id, id), isNotNull(articles.deletedAt))).run()
      const article = find(eq(articles.id, id), 'staff')
      if (!article) throw new NotFoundError('No article with this id')
      if (result.changes === 0) throw new ConflictError('The article is not in the trash', 'NOT_IN_TRASH')
      return article
    },

    /** Gone for good, with its tag links. */
    purge (id: string): void {
      const result = db.delete(articles).where(eq(articles.id, id)).run()
      if (result.changes === 0) throw new NotFoundError('No article with this id')
    },

    list (query: ArticleListQuery, audience: Audience) {
      const at = now()
      const filters: SQL[] = [audience === 'public' ? inState('published', at) : inState(query.status ?? 'published', at)]
      if (query.lang) filters.push(eq(articles.lang, query.lang))
      if (query.publishedAfter) filters.push(gt(articles.publishedAt, query.publishedAfter))
      if (query.publishedBefore) filters.push(lt(articles.publishedAt, query.publishedBefore))
      if (query.tag !== undefined) {
        const slugs = [...new Set(query.tag.split(',').map((s) => s.trim()).filter(Boolean))]
        const tagIds = slugs.length === 0 ? [] : db.select({ id: tags.id }).from(tags).where(inArray(tags.slug, slugs)).all().map((t) => t.id)
        if (tagIds.length === 0) return { items: [], nextCursor: null, total: 0 }
        filters.push(inArray(articles.id, db.select({ id: articleTags.articleId }).from(articleTags).where(inArray(articleTags.tagId, tagIds))))
      }
      const total = db.select({ n: count() }).from(articles).where(and(...filters)).get()?.n ?? 0

      const sort = sorts[query.sort]
      if (query.cursor) {
        const [value, id] = decodeCursor(query.cursor, query.sort, ['nullable-string', 'string']) as [string | null, string]
        filters.push(keysetAfter(sort.column, sort.dir, value, id))
      }
      const order = sort.dir === 'desc' ? [desc(sort.column), desc(articles.id)] : [asc(sort.column), asc(articles.id)]
      const columns = query.include === 'body' ? getTableColumns(articles) : summaryColumns
      const rows: ListRow[] = db.select(columns).from(articles).where(and(...filters)).orderBy(...order).limit(query.limit + 1).all()

      const pageRows = rows.slice(0, query.limit)
      const last = pageRows.at(-1)
      const nextCursor = rows.length > query.limit && last ? encodeCursor(query.sort, [sort.key(last), last.id]) : null
      const tagMap = tagsOf(pageRows.map((r) => r.id))
      return { items: pageRows.map((r) => toArticle(r, tagMap.get(r.id) ?? [], at)), nextCursor, total }
    },
  }
}
