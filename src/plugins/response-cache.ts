import fp from 'fastify-plugin'
import type { preHandlerAsyncHookHandler } from 'fastify'

export interface ResponseCacheOptions {
  /** The state public reads depend on; see ArticleRepository.contentState. */
  contentState: () => { generation: string, until: number }
  maxBytes: number
}

interface Entry {
  body: Buffer
  headers: Record<string, string>
}

const REPLAYED = ['content-type', 'etag', 'link', 'last-modified'] as const

/**
 * Serves repeated anonymous reads under /v1 from memory: the serialized bytes and headers of the
 * last answer, while no write has committed and no scheduled article has come due since. Requests
 * with a token go through as usual. Runs as a preHandler, so validation and rate limits still apply;
 * the caching plugin turns a hit into a 304 when the ETag matches.
 */
export default fp<ResponseCacheOptions>(async function responseCache (app, { contentState, maxBytes }) {
  const entries = new Map<string, Entry>()
  let bytes = 0
  let state = { generation: '', until: 0 }

  function clearIfStale (): void {
    const next = contentState()
    if (next.generation !== state.generation || Date.now() >= state.until) {
      entries.clear()
      bytes = 0
      state = next
    }
  }

  const cacheable = (method: string, url: string, anonymous: boolean) => anonymous && method === 'GET' && url.startsWith('/v1/')

  const serveFromCache: preHandlerAsyncHookHandler = async (request, reply) => {
    if (!cacheable(request.method, request.url, request.principal === null)) return
    clearIfStale()
    const entry = entries.get(request.url)
    if (entry) return reply.headers(entry.headers).send(entry.body)
  }
  // Appended to each route's own preHandlers, so it runs after route-level ones such as rate limits.
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/v1/') || !route.method.includes('GET')) return
    const existing = route.preHandler === undefined ? [] : Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler]
    route.preHandler = [...existing, serveFromCache]
  })

  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode !== 200 || !cacheable(request.method, request.url, request.principal === null)) return payload
    if (entries.has(request.url) || !(typeof payload === 'string' || Buffer.isBuffer(payload))) return payload
    const headers: Record<string, string> = {}
    for (const name of REPLAYED) {
      const value = reply.getHeader(name)
      if (value !== undefined) headers[name] = String(value)
    }
    const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload)
    entries.set(request.url, { body, headers })
    bytes += body.length
    for (const [url, old] of entries) {
      if (bytes <= maxBytes) break
      entries.delete(url)
      bytes -= old.body.length
    }
    return body
  })
}, { name: 'response-cache', dependencies: ['auth', 'caching'] })
