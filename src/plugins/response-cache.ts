import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'
import { bodyEtag, etagMatches } from '../lib/etag.js'
import { createResponseStore } from '../lib/lru-cache.js'
import type { ContentState } from '../store/store.js'
import { publicCacheControl } from './caching.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** How many responses the cache holds and what they cost in memory; how many reads it answered, and missed, so far. */
    responseCacheStats: () => { entries: number, bytes: number, hits: number, misses: number }
  }
  interface FastifyRequest {
    /** The content generation seen before this request read anything; '' when it is not cacheable. */
    cacheGeneration: string
  }
  interface FastifyContextConfig {
    /** false keeps the route's answers out of the response cache. */
    responseCache?: boolean
  }
}

export interface ResponseCacheOptions {
  /** The state public reads depend on (store/store.ts ContentState). */
  contentState: () => Promise<ContentState>
  maxBytes: number
  maxEntries: number
  /** CMS_CACHE_MAX_AGE: the Cache-Control of every anonymous read (caching.ts). */
  maxAge: number
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
 * limits but before validation and the handler (the same URL validated when its entry was stored),
 * and written straight to the socket with every header it needs in one go — the body's own, the
 * security headers, Cache-Control and Vary, and what earlier hooks set for this request (its id,
 * CORS, rate limits) — or as a 304 with only what RFC 9110 §15.4.5 asks of one when the ETag
 * matches, so that none of the send path's hooks runs for it. Memory is bounded by entries and bytes,
 * least recently used out first.
 */
export default fp<ResponseCacheOptions>(async function responseCache (app, { contentState, maxBytes, maxEntries, maxAge }) {
  const store = createResponseStore({ maxBytes, maxEntries })
  const cacheControl = publicCacheControl(maxAge)
  // Written with every 200 from memory: the same for every entry.
  const shared = [...Object.entries(app.securityHeaders).flat(), 'cache-control', cacheControl]
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
  function serve (request: FastifyRequest, reply: FastifyReply, generation: string): void {
    const entry = store.get(request.url)
    // An entry stored from a read that raced a write carries the older generation: it is replaced.
    if (entry?.generation !== generation) {
      answered.misses++
      request.cacheGeneration = generation
      return
    }
    answered.hits++
    // What this request's earlier hooks set (its id, CORS, rate limits), never the body's headers.
    const own = reply.getHeaders()
    const extra: string[] = []
    for (const name in own) if (name !== 'vary') extra.push(name, String(own[name]))
    extra.push('vary', own.vary === undefined ? 'Authorization' : `${String(own.vary)}, Authorization`)
    reply.hijack()
    const ifNoneMatch = request.headers['if-none-match']
    if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, entry.etag, 'weak')) {
      reply.raw.writeHead(304, ['etag', entry.etag, 'cache-control', cacheControl, ...extra])
      reply.raw.end()
    } else {
      reply.raw.writeHead(200, shared.concat(entry.head, extra))
      reply.raw.end(entry.body)
    }
  }
  // A callback hook: a hit while the content state holds runs without a promise.
  const serveFromCache: onRequestHookHandler = (request, reply, done) => {
    if (request.principal !== null || request.method !== 'GET' || request.url.length > MAX_CACHED_URL) return done()
    // The same promise as last time is the same state (the store settles one per state).
    const answer = contentState()
    if (answer === seenAnswer) {
      serve(request, reply, seen.generation)
      return done()
    }
    generationIn(answer).then((generation) => { serve(request, reply, generation); done() }, done)
  }
  // Appended to each route's own onRequest hooks, so it runs after auth and rate limits.
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/v1/') || !route.method.includes('GET') || route.config?.responseCache === false) return
    const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest]
    route.onRequest = [...existing, serveFromCache]
  })

  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode !== 200 || request.cacheGeneration === '') return payload
    if (!(typeof payload === 'string' || Buffer.isBuffer(payload))) return payload
    // Stored with its ETag, so a hit never hashes the body again (the caching plugin runs after this).
    if (!reply.hasHeader('etag')) reply.header('ETag', bodyEtag(payload))
    const head: string[] = []
    for (const name of REPLAYED) {
      const value = reply.getHeader(name)
      if (value !== undefined) head.push(name, String(value))
    }
    const body = ownBytes(payload)
    head.push('content-length', String(body.byteLength))
    store.set(request.url, { body, head, etag: String(reply.getHeader('etag')), generation: request.cacheGeneration })
    return body
  })
}, { name: 'response-cache', dependencies: ['auth', 'security'] })
