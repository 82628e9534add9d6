import fp from 'fastify-plugin'
import type { FastifyReply } from 'fastify'
import { bodyEtag, etagMatches } from '../lib/etag.js'

export interface CachingOptions {
  maxAge: number
}

/** Adds a field to Vary, keeping what is there (CORS sets `Origin`). */
export function appendVary (reply: FastifyReply, field: string): void {
  const current = reply.getHeader('vary')
  const fields = current === undefined ? [] : String(current).split(',').map((f) => f.trim()).filter(Boolean)
  if (fields.includes('*') || fields.some((f) => f.toLowerCase() === field.toLowerCase())) return
  reply.header('Vary', [...fields, field].join(', '))
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's answers never change for a URL, whoever asks (media files): cached for a year by anyone. */
    immutable?: boolean
  }
}

const IMMUTABLE = 'public, max-age=31536000, immutable'

/** Cache-Control of an anonymous read: shared caches may keep it for max-age seconds. */
export const publicCacheControl = (maxAge: number) => `public, max-age=${maxAge}`

/**
 * Whether a header belongs on a 304 (RFC 9110 §15.4.5): what a cache needs to update its stored
 * response (ETag, Cache-Control, Vary, …), the request's id, and the CORS and rate-limit headers
 * that are about the request rather than the representation. Not the body's security headers.
 */
export const belongsOnNotModified = (name: string) =>
  NOT_MODIFIED_HEADERS.has(name) || name.startsWith('access-control-') || name.startsWith('ratelimit-')
const NOT_MODIFIED_HEADERS = new Set(['etag', 'cache-control', 'vary', 'content-location', 'expires', 'date', 'x-request-id', 'retry-after'])

/**
 * ETag, 304 and Cache-Control for reads under /v1; writes that return a representation get its ETag
 * too. A handler may set its own ETag; otherwise the body is hashed. Every read's answer may depend on
 * the token, so each says `Vary: Authorization`; a 404 or 301 is private, since a token can change it
 * (a draft, or a draft's former slug).
 */
export default fp<CachingOptions>(async function caching (app, { maxAge }) {
  app.addHook('onSend', async (request, reply, payload) => {
    const read = request.method === 'GET' || request.method === 'HEAD'
    if (reply.statusCode !== 200 && reply.statusCode !== 201) {
      if (read && (reply.statusCode === 404 || reply.statusCode === 301) && request.url.startsWith('/v1/')) {
        appendVary(reply, 'Authorization')
        reply.header('Cache-Control', 'private, no-cache')
      }
      return payload
    }
    if (!request.url.startsWith('/v1/')) {
      reply.header('Cache-Control', 'no-store')
      return payload
    }
    let etag = reply.getHeader('etag') as string | undefined
    if (!etag && (typeof payload === 'string' || Buffer.isBuffer(payload))) {
      etag = bodyEtag(payload)
      reply.header('ETag', etag)
    }
    if (!read) return payload
    if (request.routeOptions.config.immutable) {
      reply.header('Cache-Control', IMMUTABLE)
    } else {
      appendVary(reply, 'Authorization')
      reply.header('Cache-Control', request.principal ? 'private, no-cache' : publicCacheControl(maxAge))
    }
    const ifNoneMatch = request.headers['if-none-match']
    if (etag && ifNoneMatch && etagMatches(ifNoneMatch, etag, 'weak')) {
      reply.code(304)
      for (const name of Object.keys(reply.getHeaders())) if (!belongsOnNotModified(name)) reply.removeHeader(name)
      // No payload at all, so that no Content-Length is added either.
      return null
    }
    return payload
  })
}, { name: 'caching', dependencies: ['auth'] })
