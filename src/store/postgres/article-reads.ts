import { and, asc, count, desc, eq, getTableColumns, sql } from 'drizzle-orm'
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
import { preparePublishedTaggedCount, taggedWith, taggedWithAny } from './article-tags.js'
import type { PgDb } from './client.js'
import { articleCounts, articles, articleSlugs } from './schema.js'
import { first } from './unit-of-work.js'

const { body: _body, bodyHtml: _bodyHtml, ...summaryColumns } = getTableColumns(articles)

const sorts = {
  '-publishedAt': { column: articles.publishedAt, dir: 'desc', key: (r: ArticleSummaryRecord) => r.publishedAt },
  publishedAt: { column: articles.publishedAt, dir: 'asc', key: (r: ArticleSummaryRecord) => r.publishedAt },
  '-updatedAt': { column: articles.updatedAt, dir: 'desc', key: (r: ArticleSummaryRecord) => r.updatedAt },
  title: { column: articles.titleKey, dir: 'asc', key: (r: ArticleSummaryRecord) => r.titleKey },
} as const

export type ArticleReads = Pick<ArticleStore, 'byId' | 'bySlug' | 'list' | 'counts'>

/**
 * An article's tags in position order, as JSON in its own row: one round trip for a read by key, not
 * two. Spelled out with table names: drizzle writes a single-table select's columns unqualified, and
 * inside this subquery an unqualified "id" would be the tag's.
 */
const tagsOfRow = sql<TagRef[]>`coalesce((SELECT json_agg(json_build_object('id', t.id, 'slug', t.slug, 'name', t.name) ORDER BY l.position)
  FROM article_tags l JOIN tags t ON t.id = l.tag_id WHERE l.article_id = articles.id), '[]'::json)`

export function createArticleReads (db: PgDb): ArticleReads {
  // Reads by key are the hottest path: their SQL is built once per key and audience, not per request.
  const prepareFind = (key: 'id' | 'slug', audience: Audience) => db.select({ ...getTableColumns(articles), tags: tagsOfRow }).from(articles)
    .where(and(eq(articles[key], sql.placeholder('key')), visibleTo(audience, sql.placeholder('at')))).prepare(`article_by_${key}_${audience}`)
  const findBy = {
    id: { public: prepareFind('id', 'public'), staff: prepareFind('id', 'staff') },
    slug: { public: prepareFind('slug', 'public'), staff: prepareFind('slug', 'staff') },
  }

  async function find (key: 'id' | 'slug', value: string, audience: Audience): Promise<ArticleData | undefined> {
    const at = now()
    const [found] = await findBy[key][audience].execute({ key: value, at })
    if (!found) return undefined
    const { tags: tagRefs, ...row } = found
    return toArticle(row, tagRefs, at)
  }

  // A list's queries, prepared once per shape (list-shape.ts), each page's rows with their tags.
  const listQueries = shapeCache(prepareList)
  function prepareList (shape: ListShape) {
    const p = sql.placeholder
    const filters = shapeFilters(shape, { publishedAt: articles.publishedAt, lang: articles.lang, inState, taggedWith })
    // Counted over every page: without the cursor. A tag's live articles are counted from its links.
    const total = !shape.total
      ? undefined
      : countedFromTagLinks(shape)
        ? preparePublishedTaggedCount(db, shape.tags, shape)
        : db.select({ n: count() }).from(articles).where(and(...filters)).prepare('article_count')
    const sort = sorts[shape.sort]
    if (shape.cursor !== 'none') {
      // Only drafts (and lists that include them) lack a publication date.
      const nullable = sort.column === articles.publishedAt && shape.state !== 'published' && shape.state !== 'scheduled'
      filters.unshift(keysetAfter(sort.column, articles.id, sort.dir, shape.cursor === 'null' ? null : p('value'), p('id'), nullable))
    }
    // NULLs (drafts' publication date) sort lowest, as in SQLite.
    const order = sort.dir === 'desc'
      ? [sql`${sort.column} DESC NULLS LAST`, desc(articles.id)]
      : [sql`${sort.column} ASC NULLS FIRST`, asc(articles.id)]
    const rows = db.select({ ...(shape.body ? getTableColumns(articles) : summaryColumns), tags: tagsOfRow }).from(articles)
      .where(and(...filters)).orderBy(...order).limit(p('limit')).prepare('article_list')
    return { total, rows }
  }

  return {
    byId: (id, audience) => find('id', id, audience),

    async counts () {
      const at = now()
      const [kept, due] = await Promise.all([
        db.select().from(articleCounts),
        first(db.select({ n: count() }).from(articles).where(inState('scheduled', at))),
      ])
      const n = Object.fromEntries(kept.map((row) => [row.state, Number(row.n)]))
      const scheduled = due?.n ?? 0
      return { draft: n.draft ?? 0, scheduled, published: (n.live ?? 0) - scheduled, deleted: n.deleted ?? 0 }
    },

    async bySlug (slug, audience) {
      const article = await find('slug', slug, audience)
      if (article) return { article }
      const former = await first(db.select({ articleId: articleSlugs.articleId }).from(articleSlugs).where(eq(articleSlugs.slug, slug)))
      const target = former && await find('id', former.articleId, audience)
      return target ? { redirectTo: target.slug } : undefined
    },

    async list (query, audience, { countTotal = true } = {}) {
      const tagged = query.tag === undefined ? undefined : await taggedWithAny(db, query.tag)
      if (tagged === null) return { items: [], nextCursor: null, total: 0 }
      const { shape, values } = listShape(query, audience, tagged?.tagIds.length ?? 0, countTotal, now())
      const queries = listQueries(shape)
      const params = { ...values, ...tagParams(tagged?.tagIds ?? []) }
      // Two queries on two of the pool's connections at once: one round trip's wait, not two.
      const [counted, rows] = await Promise.all([queries.total?.execute(params), queries.rows.execute(params)])
      const sort = sorts[query.sort]
      return pageOf(rows, query.limit, counted?.[0]?.n ?? 0, (last) => encodeCursor(query.sort, [sort.key(last), last.id]),
        (page) => page.map(({ tags: tagRefs, ...row }) => toArticle(row, tagRefs, values.at)))
    },
  }
}
