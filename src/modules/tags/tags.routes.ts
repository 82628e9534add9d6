import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { audienceOf } from '../../lib/auth.js'
import { NotFoundError } from '../../lib/errors.js'
import { listPage } from '../../lib/pagination.js'
import { IdParams, NoContent, NotModified, problems, SlugParams } from '../../lib/schemas.js'
import type { TagStore } from '../../store/store.js'
import { Tag, TagCreate, TagListQuery, TagPage, TagPatch } from './tags.schemas.js'

export const tagRoutes: FastifyPluginAsyncZod<{ tags: TagStore, publicUrl: string }> = async (app, { tags: store, publicUrl }) => {
  const tags = ['Tags']

  app.get('/tags', {
    schema: {
      operationId: 'listTags',
      tags,
      summary: 'List tags, by name or by article count; `q` autocompletes a name prefix in any case',
      querystring: TagListQuery,
      response: { 200: TagPage, 304: NotModified, ...problems(401) },
    },
  }, async (request, reply) => {
    return listPage(request, reply, publicUrl, request.query.limit, await store.list(request.query, audienceOf(request.principal)))
  })

  app.post('/tags', {
    config: { role: 'editor' },
    schema: {
      operationId: 'createTag',
      tags,
      summary: 'Create a tag; the slug is transliterated from the name when absent',
      body: TagCreate,
      response: { 201: Tag, ...problems(401, 403, 409, 413, 415) },
    },
  }, async (request, reply) => {
    const tag = await store.create(request.body)
    return reply.code(201).header('Location', `${publicUrl}/v1/tags/${tag.id}`).send(tag)
  })

  app.get('/tags/:id', {
    schema: {
      operationId: 'getTag',
      tags,
      summary: 'One tag by id',
      params: IdParams,
      response: { 200: Tag, 304: NotModified, ...problems(401, 404) },
    },
  }, async (request) => {
    const tag = await store.byId(request.params.id, audienceOf(request.principal))
    if (!tag) throw new NotFoundError('No tag with this id')
    return tag
  })

  app.get('/tags/slug/:slug', {
    schema: {
      operationId: 'getTagBySlug',
      tags,
      summary: 'One tag by slug',
      params: SlugParams,
      response: { 200: Tag, 304: NotModified, ...problems(401, 404) },
    },
  }, async (request) => {
    const tag = await store.bySlug(request.params.slug, audienceOf(request.principal))
    if (!tag) throw new NotFoundError('No tag with this slug')
    return tag
  })

  app.patch('/tags/:id', {
    config: { role: 'editor' },
    schema: {
      operationId: 'updateTag',
      tags,
      summary: 'Change a tag’s name, slug or description',
      params: IdParams,
      body: TagPatch,
      response: { 200: Tag, ...problems(401, 403, 404, 409, 413, 415) },
    },
  }, async (request) => store.update(request.params.id, request.body, audienceOf(request.principal)))

  app.delete('/tags/:id', {
    config: { role: 'editor' },
    schema: {
      operationId: 'deleteTag',
      tags,
      summary: 'Delete a tag; it is detached from its articles',
      params: IdParams,
      response: { 204: NoContent, ...problems(401, 403, 404) },
    },
  }, async (request, reply) => {
    await store.remove(request.params.id)
    return reply.code(204).send()
  })
}
