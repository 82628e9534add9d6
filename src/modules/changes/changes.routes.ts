import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { audienceOf } from '../../lib/auth.js'
import { linkNext } from '../../lib/pagination.js'
import { problems } from '../../lib/schemas.js'
import type { ContentStateStore } from '../../store/store.js'
import { createChangeFeed, type ChangeFeedDeps } from './changes.feed.js'
import { ChangePage, ChangesQuery } from './changes.schemas.js'

/** How often a held request looks at the content version (in memory on PostgreSQL, one pragma on SQLite). */
const WAIT_POLL_MS = 100

export const changeRoutes: FastifyPluginAsyncZod<ChangeFeedDeps & { content: ContentStateStore }> = async (app, options) => {
  const feed = createChangeFeed(options)
  const { content, publicUrl } = options
  const closing = new AbortController()
  app.addHook('preClose', async () => { closing.abort() })

  /** Resolves when the content version moves (every appended change moves it), `ms` pass, or the server closes. */
  async function changed (ms: number): Promise<void> {
    const deadline = Date.now() + ms
    const { generation } = await content.current()
    while (!closing.signal.aborted && Date.now() < deadline && (await content.current()).generation === generation) {
      await sleep(Math.min(WAIT_POLL_MS, deadline - Date.now()))
    }
  }

  app.get('/changes', {
    // A held request must wait, not find the empty page a previous one stored.
    config: { responseCache: false },
    schema: {
      operationId: 'listChanges',
      tags: ['Changes'],
      summary: 'What changed since a cursor (delta sync): upserts and deletes in the order they became visible',
      description: 'Without a cursor: every article and tag the caller can read, once, then the changes after. ' +
        'Apply the items in order (an upsert replaces, a delete removes) and follow `meta.nextCursor`, which is always there. ' +
        'With `wait`, a request that finds nothing new is held until something is, or `wait` seconds pass.',
      querystring: ChangesQuery,
      response: { 200: ChangePage, ...problems(410) },
    },
  }, async (request, reply) => {
    const { cursor, limit, wait } = request.query
    const audience = audienceOf(request.principal)
    const deadline = Date.now() + wait * 1000
    let page = await feed.page(audience, cursor, limit)
    while (page.items.length === 0 && !page.hasMore && Date.now() < deadline && !closing.signal.aborted) {
      await changed(deadline - Date.now())
      page = await feed.page(audience, page.nextCursor, limit)
    }
    if (page.hasMore) linkNext(request, reply, publicUrl, page.nextCursor)
    return { data: page.items, meta: { limit, nextCursor: page.nextCursor, hasMore: page.hasMore } }
  })
}
