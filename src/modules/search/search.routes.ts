import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { audienceOf } from '../../lib/auth.js'
import { BadRequestError, UnauthorizedError } from '../../lib/errors.js'
import { listPage } from '../../lib/pagination.js'
import { NotModified, problems } from '../../lib/schemas.js'
import { parseSearchQuery } from '../../lib/search-query.js'
import type { SearchStore } from '../../store/store.js'
import { withUrl } from '../articles/articles.view.js'
import { SearchPage, SearchQuery } from './search.schemas.js'

export const searchRoutes: FastifyPluginAsyncZod<{ search: SearchStore, publicUrl: string }> = async (app, { search, publicUrl }) => {
  app.get('/search', {
    schema: {
      operationId: 'search',
      tags: ['Search'],
      summary: 'Full-text search that matches Russian and English words in any inflection; best match first among the 1,000 newest matches',
      querystring: SearchQuery,
      response: { 200: SearchPage, 304: NotModified, ...problems() },
    },
  }, async (request, reply) => {
    const { status, q } = request.query
    if (status && status !== 'published' && !request.principal) {
      throw new UnauthorizedError('Searching drafts, scheduled or deleted articles needs a viewer token')
    }
    const parsed = parseSearchQuery(q)
    if (!parsed) throw new BadRequestError('The query has no words to search for', 'EMPTY_QUERY')
    const page = await search.search(request.query, parsed, audienceOf(request.principal))
    return listPage(request, reply, publicUrl, request.query.limit, { ...page, items: page.items.map((hit) => withUrl(hit, publicUrl)) })
  })
}
