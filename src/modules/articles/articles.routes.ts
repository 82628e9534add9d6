import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { audienceOf, roleAtLeast } from '../../lib/auth.js'
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../../lib/errors.js'
import { listPage } from '../../lib/pagination.js'
import { IdParams, IfMatch, NoContent, NotModified, problems, SlugParams } from '../../lib/schemas.js'
import type { ArticleData } from '../../domain/article-view.js'
import type { ArticleStore } from '../../store/store.js'
import { writeContext } from './articles.preconditions.js'
import { ArticleCreate, ArticleListQuery, ArticlePage, ArticlePatch, Article } from './articles.schemas.js'
import { articleEtag, withUrl } from './articles.view.js'

const MAX_WITH_BODY = 20

const DeleteQuery = z.strictObject({
  permanent: z.enum(['true', 'false']).default('false').describe('`true` (admin only) purges the article for good'),
})

const Moved = z.undefined().describe('Moved permanently: a former slug; Location has the current one')

/** When the article as shown last changed: its last write, or the moment it went live if later. */
function lastModified (article: ArticleData): string {
  const live = article.status === 'published' && article.publishedAt && article.publishedAt > article.updatedAt
  return new Date(live ? article.publishedAt! : article.updatedAt).toUTCString()
}

export const articleRoutes: FastifyPluginAsyncZod<{ articles: ArticleStore, publicUrl: string }> = async (app, { articles, publicUrl }) => {
  const tags = ['Articles']

  app.get('/articles', {
    schema: {
      operationId: 'listArticles',
      tags,
      summary: 'List articles, newest published first; filters by tag, status, language and dates',
      querystring: ArticleListQuery,
      response: { 200: ArticlePage, 304: NotModified, ...problems(401) },
    },
  }, async (request, reply) => {
    const { status } = request.query
    if (status && status !== 'published' && !request.principal) {
      throw new UnauthorizedError('Listing drafts, scheduled or deleted articles needs a viewer token')
    }
    // Bodies are up to 200,000 characters each: a page of them is capped, and meta.limit says so.
    const limit = request.query.include === 'body' ? Math.min(request.query.limit, MAX_WITH_BODY) : request.query.limit
    const page = await articles.list({ ...request.query, limit }, audienceOf(request.principal))
    return listPage(request, reply, publicUrl, limit, { ...page, items: page.items.map((item) => withUrl(item, publicUrl)) })
  })

  app.post('/articles', {
    config: { role: 'editor' },
    schema: {
      operationId: 'createArticle',
      tags,
      summary: 'Create an article; a draft unless status says otherwise',
      body: ArticleCreate,
      response: { 201: Article, ...problems(401, 403, 409, 413, 415) },
    },
  }, async (request, reply) => {
    const article = await articles.create(request.body, writeContext(request).actor)
    return reply.code(201).header('Location', `${publicUrl}/v1/articles/${article.id}`).header('ETag', articleEtag(article)).send(withUrl(article, publicUrl))
  })

  app.get('/articles/:id', {
    schema: {
      operationId: 'getArticle',
      tags,
      summary: 'One article by id; the public sees only what is published',
      params: IdParams,
      response: { 200: Article, 304: NotModified, ...problems(401, 404) },
    },
  }, async (request, reply) => {
    const article = await articles.byId(request.params.id, audienceOf(request.principal))
    if (!article) throw new NotFoundError('No article with this id')
    return reply.header('ETag', articleEtag(article)).header('Last-Modified', lastModified(article)).send(withUrl(article, publicUrl))
  })

  app.get('/articles/slug/:slug', {
    schema: {
      operationId: 'getArticleBySlug',
      tags,
      summary: 'One article by slug; a former slug answers 301 with the current one in Location',
      params: SlugParams,
      response: { 200: Article, 301: Moved, 304: NotModified, ...problems(401, 404) },
    },
  }, async (request, reply) => {
    const found = await articles.bySlug(request.params.slug, audienceOf(request.principal))
    if (!found) throw new NotFoundError('No article with this slug')
    if ('redirectTo' in found) return reply.redirect(`${publicUrl}/v1/articles/slug/${found.redirectTo}`, 301)
    const { article } = found
    return reply.header('ETag', articleEtag(article)).header('Last-Modified', lastModified(article)).send(withUrl(article, publicUrl))
  })

  app.patch('/articles/:id', {
    config: { role: 'editor' },
    schema: {
      operationId: 'updateArticle',
      tags,
      summary: 'Change some fields; the slug changes only when given',
      params: IdParams,
      headers: IfMatch,
      body: ArticlePatch,
      response: { 200: Article, ...problems(401, 403, 404, 409, 412, 413, 415) },
    },
  }, async (request, reply) => {
    const article = await articles.update(request.params.id, request.body, writeContext(request))
    return reply.header('ETag', articleEtag(article)).send(withUrl(article, publicUrl))
  })

  app.delete('/articles/:id', {
    config: { role: 'editor' },
    schema: {
      operationId: 'deleteArticle',
      tags,
      summary: 'Move an article to the trash, or purge it with permanent=true (admin)',
      params: IdParams,
      headers: IfMatch,
      querystring: DeleteQuery,
      response: { 204: NoContent, ...problems(401, 403, 404, 412) },
    },
  }, async (request, reply) => {
    if (request.query.permanent === 'true') {
      if (!roleAtLeast(request.principal!.role, 'admin')) throw new ForbiddenError('Purging needs an admin token')
      await articles.purge(request.params.id, writeContext(request))
    } else {
      await articles.trash(request.params.id, writeContext(request))
    }
    return reply.code(204).send()
  })

  app.post('/articles/:id/restore', {
    config: { role: 'editor' },
    schema: {
      operationId: 'restoreArticle',
      tags,
      summary: 'Bring an article back from the trash, as it was',
      params: IdParams,
      headers: IfMatch,
      response: { 200: Article, ...problems(401, 403, 404, 409, 412) },
    },
  }, async (request, reply) => {
    const article = await articles.restore(request.params.id, writeContext(request))
    return reply.header('ETag', articleEtag(article)).send(withUrl(article, publicUrl))
  })
}
