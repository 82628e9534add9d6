import fp from 'fastify-plugin'
import { bodyEtag, etagMatches } from '../lib/etag.js'

export interface CachingOptions {
  maxAge: number
}

/**
 * ETag, 304 and Cache-Control for successful reads under /v1; writes that return a representation
 * get its ETag too. A handler may set its own ETag; otherwise the body is hashed.
 */
export default fp<CachingOptions>(async function caching (app, { maxAge }) {
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode !== 200 && reply.statusCode !== 201) return payload
    if (!request.url.startsWith('/v1/')) {
      reply.header('Cache-Control', 'no-store')
      return payload
    }
    let etag = reply.getHeader('etag') as string | undefined
    if (!etag && (typeof payload === 'string' || Buffer.isBuffer(payload))) {
      etag = bodyEtag(payload)
      reply.header('ETag', etag)
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') return payload
    reply.header('Vary', 'Authorization')
    reply.header('Cache-Control', request.principal ? 'private, no-cache' : `public, max-age=${maxAge}`)
    const ifNoneMatch = request.headers['if-none-match']
    if (etag && ifNoneMatch && etagMatches(ifNoneMatch, etag, 'weak')) {
      reply.code(304)
      reply.removeHeader('content-type')
      reply.removeHeader('content-length')
      return ''
    }
    return payload
  })
}, { name: 'caching', dependencies: ['auth'] })
