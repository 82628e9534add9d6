import Fastify from 'fastify'
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod'
import { serializerCompiler } from './lib/serializer.js'
import type { Config } from './config.js'
import { requestIdOf } from './lib/request-id.js'
import { cachedTokens } from './lib/token-cache.js'
import { NoQuery } from './lib/schemas.js'
import { createSender, systemResolve, type Resolve } from './lib/webhook-sender.js'
import auth from './plugins/auth.js'
import caching from './plugins/caching.js'
import errors, { clientErrorHandler, frameworkErrors } from './plugins/errors.js'
import security from './plugins/security.js'
import rateLimits from './plugins/rate-limits.js'
import requestBody from './plugins/request-body.js'
import requestId from './plugins/request-id.js'
import metrics from './plugins/metrics.js'
import responseCache from './plugins/response-cache.js'
import openapi from './plugins/swagger.js'
import { feedRoutes } from './modules/feed/feed.routes.js'
import { searchRoutes } from './modules/search/search.routes.js'
import { healthRoutes } from './modules/health/health.routes.js'
import { metricsRoutes } from './modules/metrics/metrics.routes.js'
import { articleRoutes } from './modules/articles/articles.routes.js'
import { revisionRoutes } from './modules/articles/revisions.routes.js'
import { tagRoutes } from './modules/tags/tags.routes.js'
import { mediaRoutes } from './modules/media/media.routes.js'
import { openMediaStorage, type MediaStorage } from './lib/media-storage.js'
import { changeJobs } from './modules/changes/changes.jobs.js'
import { changeRoutes } from './modules/changes/changes.routes.js'
import webhookJobs from './modules/webhooks/webhooks.jobs.js'
import { webhookRoutes } from './modules/webhooks/webhooks.routes.js'
import { tokenRoutes } from './modules/tokens/tokens.routes.js'
import type { Store } from './store/store.js'

export interface AppDeps {
  config: Config
  /** The database behind every route (store/create-store.ts), prepared before the app is built (prepare.ts). */
  store: Store
  /** Where media files live (lib/media-storage.ts): what CMS_MEDIA_STORAGE names unless given. */
  mediaStorage?: MediaStorage
  /** How webhook hosts are resolved: the system's resolver unless a test stands in for DNS. */
  resolve?: Resolve
  /**
   * Whether the app runs the change log's background work (scheduled events, pruning, webhook
   * delivery) and follows failed authentications on every server once ready; false for tools that only
   * build it (the OpenAPI script).
   */
  background?: boolean
}

/** The HTTP app over a store; it never touches a database itself and never listens (server.ts does). */
export async function buildApp ({ config, store, mediaStorage = openMediaStorage(config.mediaStorage), resolve = systemResolve, background = true }: AppDeps) {
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
    genReqId: requestIdOf,
    requestIdHeader: false,
    frameworkErrors,
    clientErrorHandler,
  }).withTypeProvider<ZodTypeProvider>()
  app.server.maxConnections = config.maxConnections

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
  await app.register(requestId)
  // Early, so requests refused by the hooks after it count as in flight too.
  await app.register(metrics, { enabled: config.metricsToken !== undefined, articleCounts: store.articles.counts, pendingDeliveries: store.webhooks.pending })
  await app.register(security, { corsOrigins: config.corsOrigins })
  await app.register(requestBody)
  await app.register(auth, { resolve: cachedTokens(store.tokens.resolve, store.content.current), counters: store.counters, failureLimit: config.authFailureLimit, failureWindowMs: config.authFailureWindowMs, watchFailures: background })
  await app.register(rateLimits, { counters: store.counters, rateLimitReads: config.rateLimitReads, rateLimitWrites: config.rateLimitWrites })
  // Before caching: its onSend stores the 200 body before caching's onSend may turn it into a 304.
  await app.register(responseCache, { contentState: store.content.current, maxBytes: config.responseCacheMaxBytes, maxEntries: config.responseCacheMaxEntries, maxAge: config.cacheMaxAge })
  await app.register(caching, { maxAge: config.cacheMaxAge })
  await app.register(openapi)

  await app.register(healthRoutes, { health: store.health })
  await app.register(metricsRoutes, { token: config.metricsToken })
  const { publicUrl } = config
  await app.register(articleRoutes, { prefix: '/v1', articles: store.articles, publicUrl })
  await app.register(revisionRoutes, { prefix: '/v1', articles: store.articles, revisions: store.revisions, publicUrl })
  await app.register(feedRoutes, { prefix: '/v1', articles: store.articles, media: store.media, publicUrl, siteName: config.siteName })
  await app.register(searchRoutes, { prefix: '/v1', search: store.search, publicUrl })
  await app.register(tagRoutes, { prefix: '/v1', tags: store.tags, publicUrl })
  await app.register(mediaRoutes, { prefix: '/v1', media: store.media, storage: mediaStorage, publicUrl, maxBytes: config.mediaMaxBytes, maxPixels: config.mediaMaxPixels })
  await app.register(changeRoutes, { prefix: '/v1', changes: store.changes, articles: store.articles, tags: store.tags, media: store.media, content: store.content, publicUrl, retentionMs: config.changesRetentionMs })
  if (background) await app.register(changeJobs, { changes: store.changes, retentionMs: config.changesRetentionMs })
  await app.register(webhookJobs, {
    background,
    webhooks: store.webhooks,
    content: store.content,
    send: createSender({ allowPrivate: config.webhookAllowPrivate, timeoutMs: config.webhookTimeoutMs, resolve }),
    retryDelaysMs: config.webhookRetryDelaysMs,
    timeoutMs: config.webhookTimeoutMs,
    publicUrl,
  })
  await app.register(webhookRoutes, { prefix: '/v1', webhooks: store.webhooks, publicUrl, allowPrivate: config.webhookAllowPrivate, resolve })
  await app.register(tokenRoutes, { prefix: '/v1', tokens: store.tokens, publicUrl })

  return app
}
