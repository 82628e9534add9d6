import { and, asc, count, desc, eq, getTableColumns, gt, lt, sql, type SQL } from 'drizzle-orm'
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

export function createArticleReads (db: PgDb, tagsOf: TagLoader): ArticleReads {
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
      const at = now()
      const state = listedState(audience, query.status)
      const filters: SQL[] = [inState(state, at)]
      if (query.since) filters.push(gt(articles.publishedAt, query.since))
      if (query.lang) filters.push(eq(articles.lang, query.lang))
      if (query.publishedAfter) filters.push(gt(articles.publishedAt, query.publishedAfter))
      if (query.publishedBefore) filters.push(lt(articles.publishedAt, query.publishedBefore))
      const tagged = query.tag === undefined ? undefined : await taggedWithAny(db, query.tag)
      if (tagged === null) return { items: [], nextCursor: null, total: 0 }
      if (tagged) filters.push(tagged.where)
      let total = 0
      if (countTotal) {
        total = tagged && state === 'published' && !query.lang && !query.since
          ? await countPublishedTagged(db, tagged.tagIds, at, query.publishedAfter, query.publishedBefore)
          : (await first(db.select({ n: count() }).from(articles).where(and(...filters))))?.n ?? 0
      }

      const sort = sorts[query.sort]
      if (query.cursor) {
        const [value, id] = decodeCursor(query.cursor, query.sort, ['nullable-string', 'string']) as [string | null, string]
        const nullable = sort.column === articles.publishedAt && state !== 'published' && state !== 'scheduled'
        filters.unshift(keysetAfter(sort.column, articles.id, sort.dir, value, id, nullable))
      }
      // NULLs (drafts' publication date) sort lowest, as in SQLite.
      const order = sort.dir === 'desc'
        ? [sql`${sort.column} DESC NULLS LAST`, desc(articles.id)]
        : [sql`${sort.column} ASC NULLS FIRST`, asc(articles.id)]
      const columns = query.include === 'body' ? getTableColumns(articles) : summaryColumns
      const rows: ArticleSummaryRecord[] = await db.select(columns).from(articles).where(and(...filters)).orderBy(...order).limit(query.limit + 1)
      const page = pageOf(rows, query.limit, total, (last) => encodeCursor(query.sort, [sort.key(last), last.id]), (items) => items)
      const tagMap = await tagsOf(page.items.map((r) => r.id))
      return { ...page, items: page.items.map((r) => toArticle(r, tagMap.get(r.id) ?? [], at)) }
    },
  }
}
