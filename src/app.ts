import Fastify from 'fastify'
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod'
import { serializerCompiler } from './lib/serializer.js'
import type { Config } from './config.js'
import { NoQuery } from './lib/schemas.js'
import type { Db } from './db/client.js'
import auth from './plugins/auth.js'
import caching from './plugins/caching.js'
import errors, { clientErrorHandler, frameworkErrors } from './plugins/errors.js'
import security from './plugins/security.js'
import rateLimits from './plugins/rate-limits.js'
import requestBody from './plugins/request-body.js'
import responseCache from './plugins/response-cache.js'
import openapi from './plugins/swagger.js'
import { feedRoutes } from './modules/feed/feed.routes.js'
import { createSearchIndex } from './modules/search/search.index.js'
import { createSearchRepository } from './modules/search/search.repository.js'
import { searchRoutes } from './modules/search/search.routes.js'
import { healthRoutes } from './modules/health/health.routes.js'
import { articleRoutes } from './modules/articles/articles.routes.js'
import { createArticleRepository } from './modules/articles/articles.repository.js'
import { createTagLoader } from './modules/articles/articles.tags.js'
import { createRevisionRepository } from './modules/articles/revisions.repository.js'
import { revisionRoutes } from './modules/articles/revisions.routes.js'
import { createTagRepository } from './modules/tags/tags.repository.js'
import { tagRoutes } from './modules/tags/tags.routes.js'
import { createTokenRepository } from './modules/tokens/tokens.repository.js'
import { tokenRoutes } from './modules/tokens/tokens.routes.js'

export interface AppDeps {
  config: Config
  db: Db
}

/** The repositories over one database: the only layer that touches it. */
export function createRepositories (db: Db, config: Config) {
  const tags = createTagRepository(db)
  const revisions = createRevisionRepository(db, config.publicUrl)
  const searchIndex = createSearchIndex(db)
  // One prepared tag loader for articles and search.
  const tagsOf = createTagLoader(db)
  const articles = createArticleRepository(db, { tagsOf, tagRepo: tags, revisions, search: searchIndex, publicUrl: config.publicUrl })
  return { tags, revisions, articles, searchIndex, search: createSearchRepository(db, config.publicUrl, tagsOf), tokens: createTokenRepository(db) }
}

export async function buildApp ({ config, db }: AppDeps) {
  const app = Fastify({
    logger: { level: config.logLevel },
    bodyLimit: 1024 * 1024,
    // Fastify's defaults leave these unlimited; slow or idle clients must not hold sockets forever.
    connectionTimeout: 30_000,
    requestTimeout: config.requestTimeoutMs,
    // Node checks request timeouts every 30 s by default; a slow client would keep its socket that long.
    http: { connectionsCheckingInterval: Math.min(1_000, config.requestTimeoutMs), requestTimeout: config.requestTimeoutMs },
    keepAliveTimeout: 5_000,
    return503OnClosing: true,
    trustProxy: config.trustProxy,
    frameworkErrors,
    clientErrorHandler,
  }).withTypeProvider<ZodTypeProvider>()
  app.server.maxConnections = config.maxConnections
  const repos = createRepositories(db, config)
  if (config.adminToken) repos.tokens.ensureEnvAdmin(config.adminToken)

  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  // Writes are JSON only: anything else is 415.
  app.removeContentTypeParser('text/plain')
  // Unknown query parameters are 400 on every route, also those that take none (and so never become
  // cache keys of their own).
  app.addHook('onRoute', (route) => {
    if (route.schema && route.schema.querystring === undefined) route.schema = { ...route.schema, querystring: NoQuery }
  })

  await app.register(errors)
  await app.register(security, { corsOrigins: config.corsOrigins })
  await app.register(requestBody)
  await app.register(auth, { resolve: repos.tokens.resolve, failureLimit: config.authFailureLimit, failureWindowMs: config.authFailureWindowMs })
  await app.register(rateLimits, { rateLimitReads: config.rateLimitReads, rateLimitWrites: config.rateLimitWrites })
  // Before caching: its onSend stores the 200 body before caching's onSend may turn it into a 304.
  await app.register(responseCache, { contentState: repos.articles.contentState, maxBytes: config.responseCacheMaxBytes, maxEntries: config.responseCacheMaxEntries })
  await app.register(caching, { maxAge: config.cacheMaxAge })
  await app.register(openapi)

  await app.register(healthRoutes, { db })
  const { publicUrl } = config
  await app.register(articleRoutes, { prefix: '/v1', repo: repos.articles, publicUrl })
  await app.register(revisionRoutes, { prefix: '/v1', repo: repos.articles, revisions: repos.revisions, publicUrl })
  await app.register(feedRoutes, { prefix: '/v1', repo: repos.articles, publicUrl, siteName: config.siteName })
  await app.register(searchRoutes, { prefix: '/v1', repo: repos.search, publicUrl })
  await app.register(tagRoutes, { prefix: '/v1', repo: repos.tags, publicUrl })
  await app.register(tokenRoutes, { prefix: '/v1', repo: repos.tokens, publicUrl })

  return app
}
