import fp from 'fastify-plugin'
import type { onRequestAsyncHookHandler } from 'fastify'
import { bodyEtag } from '../lib/etag.js'
import { createResponseStore } from '../lib/lru-cache.js'
import type { ContentState } from '../store/store.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** How many responses the cache holds and what they cost in memory; how many reads it answered, and missed, so far. */
    responseCacheStats: () => { entries: number, bytes: number, hits: number, misses: number }
  }
  interface FastifyRequest {
    /** The content generation seen before this request read anything; '' when it is not cacheable. */
    cacheGeneration: string
  }
}

export interface ResponseCacheOptions {
  /** The state public reads depend on (store/store.ts ContentState). */
  contentState: () => Promise<ContentState>
  maxBytes: number
  maxEntries: number
}

const REPLAYED = ['content-type', 'etag', 'link', 'last-modified'] as const
// A longer URL is nobody's page: answered, never remembered.
const MAX_CACHED_URL = 1024

/**
 * The payload in memory of its own. A small Buffer is a slice of Node's shared 8 KB pool, and keeping
 * it would keep the whole slab alive: thousands of small entries would pin many times their size.
 */
function ownBytes (payload: string | Buffer): Buffer {
  if (Buffer.isBuffer(payload) && payload.byteLength === payload.buffer.byteLength) return payload
  const bytes = Buffer.allocUnsafeSlow(typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength)
  if (typeof payload === 'string') bytes.write(payload)
  else payload.copy(bytes)
  return bytes
}

/**
 * Serves repeated anonymous reads under /v1 from memory: the serialized bytes and headers of the
 * last answer, while no write has changed content and no scheduled article has come due since.
 * Requests with a token go through as usual. A hit is answered from onRequest, after auth and rate
 * limits but before validation and the handler: the same URL validated when its entry was stored.
 * The caching plugin turns a hit into a 304 when the ETag matches. Memory is bounded by entries and
 * bytes, least recently used out first.
 */
export default fp<ResponseCacheOptions>(async function responseCache (app, { contentState, maxBytes, maxEntries }) {
  const store = createResponseStore({ maxBytes, maxEntries })
  let seen = { generation: '', until: 0 }
  let seenAnswer: Promise<ContentState> | undefined

  /** The generation in a new answer; everything stored goes when content changed or a scheduled article came due. */
  async function generationIn (answer: Promise<ContentState>): Promise<string> {
    const state = await answer
    if (state.generation !== seen.generation || Date.now() >= seen.until) store.clear()
    seen = state
    seenAnswer = answer
    return state.generation
  }

  const answered = { hits: 0, misses: 0 }
  app.decorate('responseCacheStats', () => ({ ...store.stats(), ...answered }))
  app.decorateRequest('cacheGeneration', '')
  const serveFromCache: onRequestAsyncHookHandler = async (request, reply) => {
    if (request.principal !== null || request.method !== 'GET' || request.url.length > MAX_CACHED_URL) return
    // The same promise as last time is the same state (the store settles one per state): no await on a hit.
    const answer = contentState()
    const generation = answer === seenAnswer ? seen.generation : await generationIn(answer)
    const entry = store.get(request.url)
    // An entry stored from a read that raced a write carries the older generation: it is replaced.
    if (entry?.generation === generation) {
      answered.hits++
      return reply.headers(entry.headers).send(entry.body)
    }
    answered.misses++
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
    const body = ownBytes(payload)
    store.set(request.url, { body, headers, generation: request.cacheGeneration })
    return body
  })
}, { name: 'response-cache', dependencies: ['auth'] })
