import { sql } from 'drizzle-orm'
import { now } from '../../lib/ids.js'
import type { ContentState, ContentStateStore } from '../store.js'
import { inState } from './article-predicates.js'
import type { PgDb } from './client.js'

/** How often a server looks at the content version itself, in case a notification was missed. */
const POLL_MS = 400

export interface SharedContentState extends ContentStateStore {
  /** Something committed here: the next read looks again. */
  changed (): void
  close (): Promise<void>
}

/**
 * The content version on PostgreSQL: content_state's counter, bumped by triggers in every writing
 * transaction, which also NOTIFY cms_content at commit. Each server keeps the last version it read
 * and reads it again only after a signal — its own commit, a notification from another server, or
 * the poll that catches a notification lost while the listening connection was down. Cached reads
 * never wait for the database while nothing changed; when the database is away they go on being
 * answered from the last state known (no write can commit meanwhile through this database).
 */
export function createContentState (db: PgDb): SharedContentState {
  let signals = 1
  let loadedFor = 0
  let state: ContentState = { generation: '', until: 0 }
  let answer = Promise.resolve(state)
  let loading: Promise<ContentState> | undefined
  let loadingFor = 0
  let closed = false

  const changed = () => { signals++ }

  /** The version and the next scheduled instant, in one round trip. */
  async function read (): Promise<ContentState> {
    const [row] = await db.execute<{ generation: string, next: string | null }>(sql`SELECT version::text AS generation,
      (SELECT min(published_at) FROM articles WHERE ${inState('scheduled', now())}) AS next FROM content_state WHERE id = 1`)
    return { generation: row?.generation ?? '0', until: Date.parse(row?.next ?? '') || Number.POSITIVE_INFINITY }
  }

  async function load (seen: number): Promise<ContentState> {
    try {
      const loaded = await read()
      if (seen > loadedFor || (seen === loadedFor && loaded.generation !== state.generation)) {
        loadedFor = seen
        state = loaded
        answer = Promise.resolve(state)
      }
      return loaded
    } catch (error) {
      if (state.generation === '') throw error
      // Serve what is known; the poll below finds out when the database is back.
      loadedFor = Math.max(loadedFor, seen)
      return state
    }
  }

  function current (): Promise<ContentState> {
    if (loadedFor === signals && Date.now() < state.until) return answer
    if (loading && loadingFor === signals) return loading
    loadingFor = signals
    const started = load(signals)
    loading = started
    started.finally(() => { if (loading === started) loading = undefined }).catch(() => {})
    return started
  }

  let polling = false
  const poll = setInterval(() => {
    // One look at a time: while the database is away, a look waits for its connection attempt.
    if (polling) return
    polling = true
    read().then((seen) => { if (seen.generation !== state.generation || seen.until !== state.until) changed() })
      .catch(() => {})
      .finally(() => { polling = false })
  }, POLL_MS)
  poll.unref()
  // A notification from any server (delivered at its commit); a (re)connected listener may have missed some.
  const listening = db.$client.listen('cms_content', changed, changed).catch(() => undefined)

  return {
    current,
    changed,
    async close () {
      if (closed) return
      closed = true
      clearInterval(poll)
      const listener = await listening
      await listener?.unlisten().catch(() => {})
    },
  }
}
