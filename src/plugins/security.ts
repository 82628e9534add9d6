import fp from 'fastify-plugin'
import cors from '@fastify/cors'
import type { IncomingMessage, ServerResponse } from 'node:http'
import helmet, { type HelmetOptions } from 'helmet'

declare module 'fastify' {
  interface FastifyInstance {
    /** The security headers every answer with a body carries, computed once. */
    securityHeaders: Readonly<Record<string, string>>
  }
}

export interface SecurityOptions {
  corsOrigins: string[]
}

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

/**
 * Security headers and CORS from an allowlist. Registered before auth, so that errors (a 401, a 429)
 * carry them too: a browser can read a refusal only when it has its CORS headers.
 */
export default fp<SecurityOptions>(async function security (app, { corsOrigins }) {
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
  app.decorate('securityHeaders', headers)
  // On send, so that they reach every answer, errors included, and a response cache hit can write
  // them with its own headers in one go (response-cache.ts). A 304 carries none (caching.ts).
  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.headers(headers)
    done(null, payload)
  })
  if (corsOrigins.length > 0) {
    await app.register(cors, {
      origin: corsOrigins.includes('*') ? '*' : corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match'],
      exposedHeaders: ['ETag', 'Last-Modified', 'Location', 'Link', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'],
      maxAge: 600,
    })
  }
}, { name: 'security' })
