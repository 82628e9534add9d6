import fp from 'fastify-plugin'
import cors from '@fastify/cors'
import type { IncomingMessage, ServerResponse } from 'node:http'
import helmet, { type HelmetOptions } from 'helmet'
import rateLimit from '@fastify/rate-limit'
import { AppError } from '../lib/errors.js'

export interface SecurityOptions {
  corsOrigins: string[]
  rateLimitReads: number
  rateLimitWrites: number
}

const writes = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * Helmet's headers for these options. They depend on nothing in the request, so they are computed
 * once here instead of by helmet's middleware on every request (that was ~8 % of an article read).
 */
function securityHeaders (options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {}
  const response = {
    setHeader: (name: string, value: string) => { headers[name.toLowerCase()] = value },
    removeHeader: (name: string) => { delete headers[name.toLowerCase()] },
  }
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error
  })
  return headers
}

/** Security headers, CORS from an allowlist, and request budgets when configured. */
export default fp<SecurityOptions>(async function security (app, { corsOrigins, rateLimitReads, rateLimitWrites }) {
  const headers = securityHeaders({
    // Strict enough for an API, loose enough for /docs: Swagger UI loads its own scripts and styles only.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Swagger UI sets a few inline styles; scripts stay 'self' only.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'https:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        // Plain-HTTP local deployments must still load /docs' own assets.
        upgradeInsecureRequests: null,
      },
    },
    crossOriginResourcePolicy: { policy: corsOrigins.length > 0 ? 'cross-origin' : 'same-origin' },
  })
  app.addHook('onRequest', async (_request, reply) => {
    reply.headers(headers)
  })
  if (corsOrigins.length > 0) {
    await app.register(cors, {
      origin: corsOrigins.includes('*') ? '*' : corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match'],
      exposedHeaders: ['ETag', 'Location', 'Link', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'],
      maxAge: 600,
    })
  }
  if (rateLimitReads > 0 || rateLimitWrites > 0) {
    const limitFor = (method: string) => (writes.has(method) ? rateLimitWrites : rateLimitReads) || Number.MAX_SAFE_INTEGER
    await app.register(rateLimit, {
      global: true,
      // After auth's onRequest, so an authenticated caller is counted by token, anyone else by IP.
      hook: 'onRequest',
      timeWindow: 60_000,
      max: (request) => limitFor(request.method),
      keyGenerator: (request) => `${writes.has(request.method) ? 'w' : 'r'}:${request.principal ? `t:${request.principal.tokenId}` : `ip:${request.ip}`}`,
      enableDraftSpec: true,
      errorResponseBuilder: (_request, context) =>
        new AppError(429, 'RATE_LIMITED', `Request budget of ${context.max} a minute used up; try again in ${Math.ceil(context.ttl / 1000)} s`),
    })
  }
}, { name: 'security', dependencies: ['auth'] })
