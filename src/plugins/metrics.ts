import cluster from 'node:cluster'
import fp from 'fastify-plugin'
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client'
import type { ArticleState } from '../domain/visibility.js'
import { clusterScrape } from '../lib/cluster-metrics.js'
import { createRequestHistogram } from '../lib/request-histogram.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The Prometheus text of this process, or of every worker's with CMS_WORKERS; null when metrics are off. */
    scrapeMetrics: (() => Promise<string>) | null
  }
}

export interface MetricsOptions {
  enabled: boolean
  /** How many articles are in each state now (read from counts the store keeps, never by counting rows). */
  articleCounts: () => Promise<Record<ArticleState, number>>
  /** How many webhook deliveries are pending (one count in the database, shared by every server). */
  pendingDeliveries: () => Promise<number>
}

// The OpenTelemetry HTTP semantic conventions' buckets for http.server.request.duration, in seconds.
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
/** The route label of a request no route matched: one value, whatever the path, so URLs cannot make series. */
const UNMATCHED_ROUTE = '_OTHER'
const methodOf = (method: string) => (METHODS.has(method) ? method : '_OTHER')

/**
 * Prometheus metrics, recorded only when CMS_METRICS_TOKEN is set: request durations by method, route
 * template and status, requests in flight, the response cache's hits, misses and bytes, articles by
 * status, and the process's own figures. Recording is a counter bump and one observation per request;
 * everything else is read when Prometheus scrapes.
 */
export default fp<MetricsOptions>(async function metrics (app, { enabled, articleCounts, pendingDeliveries }) {
  if (!enabled) {
    app.decorate('scrapeMetrics', null)
    return
  }
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  // Each metric made with `registers: []` and registered here: none of them reaches prom-client's global registry.
  const register = (...metrics: Array<Counter | Gauge>) => { for (const metric of metrics) registry.registerMetric(metric) }

  const duration = createRequestHistogram('http_server_request_duration_seconds', 'Duration of HTTP server requests.', BUCKETS)
  registry.registerMetric(duration.metric)
  const active = new Map<string, number>()
  register(new Gauge({
    name: 'http_server_active_requests',
    help: 'Number of active HTTP server requests.',
    labelNames: ['http_request_method'],
    registers: [],
    collect () {
      for (const [method, n] of active) this.set({ http_request_method: method }, n)
    },
  }))

  app.addHook('onRequest', (request, reply, done) => {
    const method = methodOf(request.method)
    active.set(method, (active.get(method) ?? 0) + 1)
    // 'close' comes for every response, also one whose client went away before it was sent.
    reply.raw.once('close', () => active.set(method, active.get(method)! - 1))
    done()
  })
  app.addHook('onResponse', (request, reply, done) => {
    duration.observe(methodOf(request.method), request.routeOptions.url ?? UNMATCHED_ROUTE, reply.statusCode, reply.elapsedTime / 1000)
    done()
  })

  const reported = { hits: 0, misses: 0 }
  for (const [name, help] of [['hits', 'Anonymous reads answered from the response cache.'], ['misses', 'Anonymous reads the response cache could not answer.']] as const) {
    register(new Counter({
      name: `cms_response_cache_${name}_total`,
      help,
      registers: [],
      collect () {
        // The response cache registers after this plugin; its figures are read at scrape time.
        const now = app.responseCacheStats()[name]
        this.inc(now - reported[name])
        reported[name] = now
      },
    }))
  }
  register(new Gauge({
    name: 'cms_response_cache_bytes',
    help: 'Memory the response cache holds, in bytes.',
    registers: [],
    collect () { this.set(app.responseCacheStats().bytes) },
  }), new Gauge({
    name: 'cms_articles',
    help: 'Articles by status (draft, scheduled, published, deleted).',
    labelNames: ['status'],
    registers: [],
    // Every worker reads the same database: one worker's figure is the cluster's.
    aggregator: 'first',
    async collect () {
      for (const [status, n] of Object.entries(await articleCounts())) this.set({ status }, n)
    },
  }))

  const attempted = { succeeded: 0, retrying: 0, failed: 0 }
  register(new Counter({
    name: 'cms_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome: succeeded, retrying (failed, another attempt is due) or failed (given up, or the receiver answered 410).',
    labelNames: ['outcome'],
    registers: [],
    collect () {
      // The delivery loop registers after this plugin; its figures are read at scrape time.
      for (const [outcome, n] of Object.entries(app.webhookStats()) as Array<[keyof typeof attempted, number]>) {
        this.inc({ outcome }, n - attempted[outcome])
        attempted[outcome] = n
      }
    },
  }), new Gauge({
    name: 'cms_webhook_pending',
    help: 'Webhook deliveries waiting for an attempt.',
    registers: [],
    aggregator: 'first',
    async collect () { this.set(await pendingDeliveries()) },
  }))

  app.decorate('scrapeMetrics', cluster.isWorker ? clusterScrape(registry) : () => registry.metrics())
}, { name: 'metrics' })
