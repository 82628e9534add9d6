import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod'
import { EVENT_TYPES } from '../domain/change-log.js'
import { eventSchemaName } from '../modules/webhooks/webhooks.schemas.js'
import { finishDocument, type Document, type WebhookEvent } from './openapi-document.js'

const EVENT_SUMMARIES: Record<typeof EVENT_TYPES[number], string> = {
  'article.created': 'An article was created',
  'article.updated': 'An article was changed (a new version)',
  'article.published': 'An article became visible to the public: published now, or a scheduled one at its instant',
  'article.unpublished': 'A published article stopped being public: back to draft, or its publishedAt moved into the future',
  'article.deleted': 'An article went to the trash',
  'article.restored': 'An article came back from the trash',
  'article.purged': 'An article was deleted for good',
  'tag.created': 'A tag was created',
  'tag.updated': 'A tag’s name, slug or description changed',
  'tag.deleted': 'A tag was deleted (and detached from its articles)',
  'media.created': 'An image was uploaded to the media library',
  'media.updated': 'An image’s alt, caption, credit or focal point changed',
  'media.deleted': 'An image was deleted from the media library, with its files',
  'webhook.ping': 'A test delivery asked for with POST /v1/webhooks/{id}/ping',
}
const WEBHOOK_EVENTS: WebhookEvent[] = EVENT_TYPES.map((name) => ({ name, schema: eventSchemaName(name), summary: EVENT_SUMMARIES[name] }))

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The multipart/form-data body a route reads itself, for the document. */
    multipartBody?: unknown
  }
}

/** OpenAPI 3.1 from the routes' Zod schemas, served at /openapi.json, with the reference UI at /docs. */
export default fp(async function openapi (app) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Newsroom CMS API',
        version: '1.0.0',
        description: 'Headless CMS for newsrooms: articles, tags, a latest-news feed and search. ' +
          'Public reads need no token; writes need `Authorization: Bearer <token>` with the role each operation names.',
        license: { name: 'MIT', identifier: 'MIT' },
        contact: { name: 'Newsroom CMS maintainers' },
      },
      servers: [{ url: '/' }],
      tags: [
        { name: 'Articles', description: 'News articles: drafts, scheduled and published' },
        { name: 'Tags', description: 'Topics that group articles' },
        { name: 'Media', description: 'Images for articles, stored without their metadata, with variants by width and format' },
        { name: 'Feed', description: 'The latest-news feed, also as RSS, Atom and JSON Feed' },
        { name: 'Search', description: 'Russian- and English-aware full-text search' },
        { name: 'Changes', description: 'Delta sync: what changed since a cursor, deletions included' },
        { name: 'Webhooks', description: 'Signed event deliveries to your URLs (admin), and the events themselves' },
        { name: 'Tokens', description: 'API tokens and their roles (admin)' },
        { name: 'Operations', description: 'Health, readiness and metrics' },
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token' },
          metricsToken: { type: 'http', scheme: 'bearer', description: 'The value of CMS_METRICS_TOKEN (not an API token)' },
        },
      },
    },
    transform (input) {
      // A multipart body is parsed by its handler, not validated by Fastify: the document still says what it takes.
      const multipartBody = input.route.config?.multipartBody
      const { schema, url } = jsonSchemaTransform(multipartBody ? { ...input, schema: { ...input.schema, body: multipartBody, consumes: ['multipart/form-data'] } } : input)
      const role = input.route.config?.role
      if (input.route.config?.ownAuth) {
        return { schema: { ...schema, security: [{ metricsToken: [] }], description: 'Requires CMS_METRICS_TOKEN as the bearer token.', 'x-required-role': 'metrics' }, url }
      }
      const security = role ? [{ bearerAuth: [] }] : []
      const description = role ? `Requires a token with role \`${role}\` or higher.` : 'Public; a token may widen what is visible.'
      return { schema: { ...schema, security, description, 'x-required-role': role ?? 'public' }, url }
    },
    transformObject: (input) => finishDocument(jsonSchemaTransformObject(input) as Document, WEBHOOK_EVENTS) as ReturnType<typeof jsonSchemaTransformObject>,
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}, { name: 'openapi' })
