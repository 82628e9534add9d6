import fp from 'fastify-plugin'
import type { onRequestAsyncHookHandler } from 'fastify'
import { bodyEtag } from '../lib/etag.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The content generation seen before this request read anything; '' when it is not cacheable. */
    cacheGeneration: string
  }
}

export interface ResponseCacheOptions {
  /** The state public reads depend on; see ArticleRepository.contentState. */
  contentState: () => { generation: string, until: number }
  maxBytes: number
}

interface Entry {
  body: Buffer
  headers: Record<string, string>
  /** The generation seen before the body was read: the entry is good only while it is still current. */
  generation: string
}

const REPLAYED = ['content-type', 'etag', 'link', 'last-modified'] as const

/**
 * Serves repeated anonymous reads under /v1 from memory: the serialized bytes and headers of the
 * last answer, while no write has committed and no scheduled article has come due since. Requests
 * with a token go through as usual. A hit is answered from onRequest, after auth and rate limits but
 * before validation and the handler: the same URL validated when its entry was stored. The caching
 * plugin turns a hit into a 304 when the ETag matches.
 */
export default fp<ResponseCacheOptions>(async function responseCache (app, { contentState, maxBytes }) {
  const entries = new Map<string, Entry>()
  let bytes = 0
  let seen = { generation: '', until: 0 }

  /** The current generation; everything stored goes when a write commits or a scheduled article comes due. */
  function currentGeneration (): string {
    const state = contentState()
    if (state.generation !== seen.generation || Date.now() >= seen.until) {
      entries.clear()
      bytes = 0
    }
    seen = state
    return state.generation
  }

  app.decorateRequest('cacheGeneration', '')
  const serveFromCache: onRequestAsyncHookHandler = async (request, reply) => {
    if (request.principal !== null || request.method !== 'GET') return
    const generation = currentGeneration()
    const entry = entries.get(request.url)
    // An entry stored from a read that raced a write carries the older generation: it is replaced.
    if (entry?.generation === generation) return reply.headers(entry.headers).send(entry.body)
    request.cacheGeneration = generation
  }
  // Appended to each route's own onRequest hooks, so it runs after auth and rate limits.
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/v1/') || !route.method.includes('GET')) return
    const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest]
    route.onRequest = [...existing, serveFromCache]
  })

  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode !== 200 || request.cacheGeneration === '') return payload
    if (!(typeof payload === 'string' || Buffer.isBuffer(payload))) return payload
    // Stored with its ETag, so a hit never hashes the body again (the caching plugin runs after this).
    if (!reply.hasHeader('etag')) reply.header('ETag', bodyEtag(payload))
    const headers: Record<string, string> = {}
    for (const name of REPLAYED) {
      const value = reply.getHeader(name)
      if (value !== undefined) headers[name] = String(value)
    }
    const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload)
    const previous = entries.get(request.url)
    if (previous) bytes -= previous.body.length
    entries.set(request.url, { body, headers, generation: request.cacheGeneration })
    bytes += body.length
    for (const [url, old] of entries) {
      if (bytes <= maxBytes) break
      entries.delete(url)
      bytes -= old.body.length
    }
    return body
  })
}, { name: 'response-cache', dependencies: ['auth'] })
