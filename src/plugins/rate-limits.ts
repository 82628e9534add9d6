import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import { AppError } from '../lib/errors.js'
import { sharedRateStore } from '../lib/shared-rate-store.js'
import type { CounterStore } from '../store/store.js'

export interface RateLimitOptions {
  /** Where requests are counted: shared by every server on PostgreSQL. */
  counters: CounterStore
  rateLimitReads: number
  rateLimitWrites: number
}

const writes = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
// Probes from a load balancer or an orchestrator, and Prometheus' scrapes, must never be refused.
const unlimited = new Set(['/healthz', '/readyz', '/metrics'])

/** Request budgets, when configured: reads per IP (anonymous) or per token, writes per token. */
export default fp<RateLimitOptions>(async function rateLimits (app, { counters, rateLimitReads, rateLimitWrites }) {
  if (rateLimitReads === 0 && rateLimitWrites === 0) return
  const shared = sharedRateStore(counters)
  app.addHook('onClose', shared.stop)
  const limitFor = (method: string) => (writes.has(method) ? rateLimitWrites : rateLimitReads) || Number.MAX_SAFE_INTEGER
  await app.register(rateLimit, {
    global: true,
    store: shared.Store,
    // After auth's onRequest, so an authenticated caller is counted by token, anyone else by IP.
    hook: 'onRequest',
    timeWindow: 60_000,
    max: (request) => limitFor(request.method),
    allowList: (request) => unlimited.has(request.routeOptions.url ?? ''),
    keyGenerator: (request) => `${writes.has(request.method) ? 'w' : 'r'}:${request.principal ? `t:${request.principal.tokenId}` : `ip:${request.ip}`}`,
    enableDraftSpec: true,
    errorResponseBuilder: (_request, context) =>
      new AppError(429, 'RATE_LIMITED', `Request budget of ${context.max} a minute used up; try again in ${Math.ceil(context.ttl / 1000)} s`),
  })
}, { name: 'rate-limits', dependencies: ['auth'] })
