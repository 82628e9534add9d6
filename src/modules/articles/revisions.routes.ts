import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { NotFoundError } from '../../lib/errors.js'
import { listPage } from '../../lib/pagination.js'
import { IdParams, IfMatch, NotModified, problems } from '../../lib/schemas.js'
import type { ArticleStore, RevisionStore } from '../../store/store.js'
import { writeContext } from './articles.preconditions.js'
import { Article, Revision, RevisionListQuery, RevisionPage, RevisionParams } from './articles.schemas.js'
import { articleEtag, withUrl } from './articles.view.js'

interface Options {
  articles: ArticleStore
  revisions: RevisionStore
  publicUrl: string
}

export const revisionRoutes: FastifyPluginAsyncZod<Options> = async (app, { articles, revisions, publicUrl }) => {
  const tags = ['Articles']
  const assertArticle = async (id: string) => {
    if (!await articles.byId(id, 'staff')) throw new NotFoundError('No article with this id')
  }

  app.get('/articles/:id/revisions', {
    config: { role: 'viewer' },
    schema: {
      operationId: 'listArticleRevisions',
      tags,
      summary: 'Every saved version of an article, newest first',
      params: IdParams,
      querystring: RevisionListQuery,
      response: { 200: RevisionPage, 304: NotModified, ...problems(401, 403, 404) },
    },
  }, async (request, reply) => {
    await assertArticle(request.params.id)
    return listPage(request, reply, publicUrl, request.query.limit, await revisions.list(request.params.id, request.query.limit, request.query.cursor))
  })

  app.get('/articles/:id/revisions/:version', {
    config: { role: 'viewer' },
    schema: {
      operationId: 'getArticleRevision',
      tags,
      summary: 'One saved version: the full article as it was, with who saved it and when',
      params: RevisionParams,
      response: { 200: Revision, 304: NotModified, ...problems(401, 403, 404) },
    },
  }, async (request) => {
    const revision = await revisions.get(request.params.id, request.params.version)
    if (!revision) throw new NotFoundError('No such revision')
    return withUrl(revision, publicUrl)
  })

  app.post('/articles/:id/revisions/:version/restore', {
    config: { role: 'editor' },
    schema: {
      operationId: 'restoreArticleRevision',
      tags,
      summary: 'Make a saved version’s content (title, lead, body, tags, author, coverImage, lang) the next version; status, publishedAt and slug stay',
      params: RevisionParams,
      headers: IfMatch,
      response: { 200: Article, ...problems(401, 403, 404, 409, 412) },
    },
  }, async (request, reply) => {
    const article = await articles.restoreRevision(request.params.id, request.params.version, writeContext(request))
    return reply.header('ETag', articleEtag(article)).send(withUrl(article, publicUrl))
  })
}
