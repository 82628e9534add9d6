import { and, asc, count, desc, eq, getTableColumns, sql } from 'drizzle-orm'
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core'
import { toArticle, type ArticleData } from '../../domain/article-view.js'
import type { ArticleSummaryRecord, TagRef } from '../../domain/records.js'
import type { Audience } from '../../lib/auth.js'
import { encodeCursor } from '../../lib/cursor.js'
import { now } from '../../lib/ids.js'
import { keysetAfter } from '../keyset.js'
import { countedFromTagLinks, listShape, shapeCache, shapeFilters, tagParams, type ListShape } from '../list-shape.js'
import { pageOf } from '../page.js'
import type { ArticleStore } from '../store.js'
import { inState, visibleTo } from './article-predicates.js'
import { preparePublishedTaggedCount, taggedWith, taggedWithAny, type TagLoader } from './article-tags.js'
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

  // A list's queries, prepared once per shape (list-shape.ts): building the SQL anew for every request
  // cost about as much as running it (an uncached feed page: 1.2 ms of CPU then, 0.7 ms now).
  const listQueries = shapeCache(prepareList)
  function prepareList (shape: ListShape) {
    const p = sql.placeholder
    const filters = shapeFilters(shape, { publishedAt: articles.publishedAt, lang: articles.lang, inState, taggedWith })
    // Counted over every page: without the cursor. A tag's live articles are counted from its links.
    const total = !shape.total
      ? undefined
      : countedFromTagLinks(shape)
        ? preparePublishedTaggedCount(db, shape.tags, shape)
        : db.select({ n: count() }).from(articles).where(and(...filters)).prepare()
    const sort = sorts[shape.sort]
    if (shape.cursor !== 'none') {
      // Only drafts (and lists that include them) lack a publication date.
      const nullable = sort.column === articles.publishedAt && shape.state !== 'published' && shape.state !== 'scheduled'
      // First in the WHERE: of two bounds on the index's first column, SQLite seeks by the first.
      filters.unshift(keysetAfter(sort.column, articles.id, sort.dir, shape.cursor === 'null' ? null : p('value'), p('id'), nullable))
    }
    const order = sort.dir === 'desc' ? [desc(sort.column), desc(articles.id)] : [asc(sort.column), asc(articles.id)]
    const rows = db.select(shape.body ? getTableColumns(articles) : summaryColumns).from(articles)
      .where(and(...filters)).orderBy(...order).limit(p('limit')).prepare()
    return { total, rows }
  }

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
      const tagged = query.tag === undefined ? undefined : taggedWithAny(db, query.tag)
      if (tagged === null) return { items: [], nextCursor: null, total: 0 }
      const { shape, values } = listShape(query, audience, tagged?.tagIds.length ?? 0, countTotal, now())
      const queries = listQueries(shape)
      const params = { ...values, ...tagParams(tagged?.tagIds ?? []) }
      const total = queries.total?.get(params)?.n ?? 0
      const rows: ArticleSummaryRecord[] = queries.rows.all(params)
      const sort = sorts[query.sort]
      return pageOf(rows, query.limit, total, (last) => encodeCursor(query.sort, [sort.key(last), last.id]), (page) => {
        const tagMap = tagsOf(page.map((r) => r.id))
        return page.map((r) => toArticle(r, tagMap.get(r.id) ?? [], values.at))
      })
    },
  }
}
