import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { FastifyRequest } from 'fastify'
import { linkNext } from '../../lib/pagination.js'
import { NotModified, problems } from '../../lib/schemas.js'
import { mediaFilePath } from '../../domain/article-view.js'
import type { ArticleStore, MediaStore } from '../../store/store.js'
import { articleUrl } from '../articles/articles.view.js'
import { toAtom, toJsonFeed, toRss, type Enclosure, type FeedEntry } from './feed.formats.js'
import { FeedPage, FeedQuery, JsonFeed } from './feed.schemas.js'

const xml = (type: string, description: string) => ({
  description,
  content: { [type]: { schema: z.string() } },
})

export const feedRoutes: FastifyPluginAsyncZod<{ articles: ArticleStore, media: MediaStore, publicUrl: string, siteName: string }> = async (app, { articles, media, publicUrl, siteName }) => {
  const tags = ['Feed']

  /** Published articles, newest first (ties by id), as compact feed items; always the public view. */
  async function latest (query: FeedQuery) {
    const { items, nextCursor } = await articles.list({ ...query, sort: '-publishedAt' }, 'public', { countTotal: false })
    // Media covers become enclosures, which carry the file's type and size: one query for the page.
    const covers = new Map((await media.byIds([...new Set(items.flatMap((a) => a.coverImage?.mediaId ?? []))])).map((m) => [m.id, m]))
    const enclosure = (mediaId: string | undefined): Enclosure | null => {
      const cover = mediaId === undefined ? undefined : covers.get(mediaId)
      return cover ? { url: publicUrl + mediaFilePath(cover.id), type: cover.mimeType, length: cover.bytes } : null
    }
    const entries: FeedEntry[] = items.map((a) => ({
      id: a.id,
      slug: a.slug,
      title: a.title,
      lead: a.lead,
      publishedAt: a.publishedAt!,
      updatedAt: a.updatedAt,
      lang: a.lang,
      tags: a.tags.map(({ slug, name }) => ({ slug, name })),
      url: articleUrl(publicUrl, a.slug),
      author: a.author,
      enclosure: enclosure(a.coverImage?.mediaId),
    }))
    return { items: entries, nextCursor }
  }

  const selfUrl = (request: FastifyRequest) => `${publicUrl}${request.url}`

  app.get('/feed', {
    schema: {
      operationId: 'getFeed',
      tags,
      summary: 'Latest news: published articles, newest first; poll with `since`',
      querystring: FeedQuery,
      response: { 200: FeedPage, 304: NotModified, ...problems(401) },
    },
  }, async (request, reply) => {
    const { items, nextCursor } = await latest(request.query)
    linkNext(request, reply, publicUrl, nextCursor)
    return { data: items.map(({ author: _, ...item }) => item), meta: { limit: request.query.limit, nextCursor } }
  })

  const syndication = [
    { path: '/feed.rss', operationId: 'getFeedRss', format: 'RSS 2.0', type: 'application/rss+xml', render: toRss },
    { path: '/feed.atom', operationId: 'getFeedAtom', format: 'Atom 1.0', type: 'application/atom+xml', render: toAtom },
  ]
  for (const { path, operationId, format, type, render } of syndication) {
    app.get(path, {
      schema: {
        operationId,
        tags,
        summary: `The latest-news feed as ${format}`,
        querystring: FeedQuery,
        response: { 200: xml(type, format), 304: NotModified, ...problems(401) },
      },
    }, async (request, reply) => {
      const { items } = await latest(request.query)
      return reply.type(`${type}; charset=utf-8`).send(render({ items, selfUrl: selfUrl(request), publicUrl, siteName, lang: request.query.lang }))
    })
  }

  app.get('/feed.json', {
    schema: {
      operationId: 'getFeedJson',
      tags,
      summary: 'The latest-news feed as JSON Feed 1.1',
      querystring: FeedQuery,
      response: { 200: { description: 'JSON Feed 1.1', content: { 'application/feed+json': { schema: JsonFeed } } }, 304: NotModified, ...problems(401) },
    },
  }, async (request, reply) => {
    const { items, nextCursor } = await latest(request.query)
    let nextUrl: string | undefined
    if (nextCursor) {
      const url = new URL(selfUrl(request))
      url.searchParams.set('cursor', nextCursor)
      nextUrl = url.toString()
    }
    return reply.type('application/feed+json; charset=utf-8')
      .send(toJsonFeed({ items, selfUrl: selfUrl(request), publicUrl, siteName, lang: request.query.lang }, nextUrl))
  })
}
