import { and, asc, count, desc, eq, getTableColumns, gt, lt, sql, type SQL } from 'drizzle-orm'
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core'
import { toArticle, type ArticleData } from '../../domain/article-view.js'
import type { ArticleSummaryRecord, TagRef } from '../../domain/records.js'
import { listedState } from '../../domain/visibility.js'
import type { Audience } from '../../lib/auth.js'
import { decodeCursor, encodeCursor } from '../../lib/cursor.js'
import { now } from '../../lib/ids.js'
import { keysetAfter } from '../keyset.js'
import { pageOf } from '../page.js'
import type { ArticleStore } from '../store.js'
import { inState, visibleTo } from './article-predicates.js'
import { countPublishedTagged, taggedWithAny, type TagLoader } from './article-tags.js'
import type { Db } from './client.js'
import { articleCounts, articles, articleSlugs } from './schema.js'

const { body: _body, bodyHtml: _bodyHtml, ...summaryColumns } = getTableColumns(articles)

const sorts = {
  '-publishedAt': { column: articles.publishedAt, dir: 'desc', key: (r: ArticleSummaryRecord) => r.publishedAt },
  publishedAt: { column: articles.publishedAt, dir: 'asc', key: (r: ArticleSummaryRecord) => r.publishedAt },
  '-updatedAt': { column: articles.updatedAt, dir: 'desc', key: (r: ArticleSummaryRecord) => r.updatedAt },
  title: { column: articles.titleKey, dir: 'asc', key: (r: ArticleSummaryRecord) => r.titleKey },
} as const

export type ArticleReads = Pick<ArticleStore, 'byId' | 'bySlug' | 'list' | 'counts'>

/**
 * An article's tags in position order, as JSON in its own row: one statement for a read by key, not
 * two. Spelled out with table names: drizzle writes a single-table select's columns unqualified, and
 * inside this subquery an unqualified "id" would be the tag's.
 */
const tagsOfRow = sql<string>`(SELECT json_group_array(json_object('id', t.id, 'slug', t.slug, 'name', t.name) ORDER BY l.position)
  FROM article_tags l JOIN tags t ON t.id = l.tag_id WHERE l.article_id = articles.id)`

export function createArticleReads (db: Db, tagsOf: TagLoader): ArticleReads {
  // Reads by key are the hottest path: prepared once per key and audience, not built per request.
  const prepareFind = (key: SQLiteColumn, audience: Audience) => db.select({ ...getTableColumns(articles), tags: tagsOfRow }).from(articles)
    .where(and(eq(key, sql.placeholder('key')), visibleTo(audience, sql.placeholder('at')))).prepare()
  const findBy = {
    id: { public: prepareFind(articles.id, 'public'), staff: prepareFind(articles.id, 'staff') },
    slug: { public: prepareFind(articles.slug, 'public'), staff: prepareFind(articles.slug, 'staff') },
  }
  const kept = db.select().from(articleCounts).prepare()
  // Scheduled articles are few and sit at the top of the live index: counted, not kept (time moves them).
  const scheduled = db.select({ n: count() }).from(articles).where(inState('scheduled', sql.placeholder('at'))).prepare()
  const formerSlug = db.select({ articleId: articleSlugs.articleId }).from(articleSlugs).where(eq(articleSlugs.slug, sql.placeholder('slug'))).prepare()

  function find (key: keyof typeof findBy, value: string, audience: Audience): ArticleData | undefined {
    const at = now()
    const found = findBy[key][audience].get({ key: value, at })
    if (!found) return undefined
    const { tags: tagRefs, ...row } = found
    return toArticle(row, JSON.parse(tagRefs) as TagRef[], at)
  }

  return {
    byId: async (id, audience) => find('id', id, audience),

    async counts () {
      const n = Object.fromEntries(kept.all().map((row) => [row.state, row.n]))
      const due = scheduled.get({ at: now() })?.n ?? 0
      return { draft: n.draft ?? 0, scheduled: due, published: (n.live ?? 0) - due, deleted: n.deleted ?? 0 }
    },

    async bySlug (slug, audience) {
      const article = find('slug', slug, audience)
      if (article) return { article }
      const former = formerSlug.get({ slug })
      const target = former && find('id', former.articleId, audience)
      return target ? { redirectTo: target.slug } : undefined
    },

    async list (query, audience, { countTotal = true } = {}) {
      const at = now()
      const state = listedState(audience, query.status)
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
        filters.unshift(keysetAfter(sort.column, articles.id, sort.dir, value, id, nullable))
      }
      const order = sort.dir === 'desc' ? [desc(sort.column), desc(articles.id)] : [asc(sort.column), asc(articles.id)]
      const columns = query.include === 'body' ? getTableColumns(articles) : summaryColumns
      const rows: ArticleSummaryRecord[] = db.select(columns).from(articles).where(and(...filters)).orderBy(...order).limit(query.limit + 1).all()
      return pageOf(rows, query.limit, total, (last) => encodeCursor(query.sort, [sort.key(last), last.id]), (page) => {
        const tagMap = tagsOf(page.map((r) => r.id))
        return page.map((r) => toArticle(r, tagMap.get(r.id) ?? [], at))
      })
    },
  }
}
