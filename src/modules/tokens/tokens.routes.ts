import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { listPage } from '../../lib/pagination.js'
import { IdParams, NoContent, NotModified, problems } from '../../lib/schemas.js'
import type { TokenStore } from '../../store/store.js'
import { TokenCreate, TokenCreated, TokenListQuery, TokenPage } from './tokens.schemas.js'

export const tokenRoutes: FastifyPluginAsyncZod<{ tokens: TokenStore, publicUrl: string }> = async (app, { tokens, publicUrl }) => {
  const tags = ['Tokens']

  app.post('/tokens', {
    config: { role: 'admin' },
    schema: {
      operationId: 'createToken',
      tags,
      summary: 'Create an API token; its secret is in this response only',
      body: TokenCreate,
      response: { 201: TokenCreated, ...problems(403, 413, 415) },
    },
  }, async (request, reply) => {
    const token = await tokens.create(request.body)
    return reply.code(201).header('Location', `${publicUrl}/v1/tokens/${token.id}`).header('Cache-Control', 'no-store').send(token)
  })

  app.get('/tokens', {
    config: { role: 'admin' },
    schema: {
      operationId: 'listTokens',
      tags,
      summary: 'List active tokens, without their secrets',
      querystring: TokenListQuery,
      response: { 200: TokenPage, 304: NotModified, ...problems(403) },
    },
  }, async (request, reply) => {
    return listPage(request, reply, publicUrl, request.query.limit, await tokens.list(request.query.limit, request.query.cursor))
  })

  app.delete('/tokens/:id', {
    config: { role: 'admin' },
    schema: {
      operationId: 'revokeToken',
      tags,
      summary: 'Revoke a token, effective at once; the CMS_ADMIN_TOKEN token is 409 (change the variable instead)',
      params: IdParams,
      response: { 204: NoContent, ...problems(403, 404, 409) },
    },
  }, async (request, reply) => {
    await tokens.revoke(request.params.id)
    return reply.code(204).send()
  })
}
