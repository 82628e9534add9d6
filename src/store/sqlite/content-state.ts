import { min, sql } from 'drizzle-orm'
import { now } from '../../lib/ids.js'
import type { ContentState, ContentStateStore } from '../store.js'
import { inState } from './article-predicates.js'
import type { Db } from './client.js'
import { articles } from './schema.js'

/**
 * The content version is content_state's counter, which triggers bump with every write to articles,
 * tags and their links (a token's last use does not). It is read only after something committed, on
 * this connection (total_changes) or another (data_version, at most once per event-loop turn).
 */
export function createContentState (db: Db): ContentStateStore {
  // Two statements: reading data_version through pragma_data_version in one SELECT costs twice as much.
  const ownChanges = db.$client.prepare('SELECT total_changes()').pluck()
  const othersChanges = db.$client.prepare('PRAGMA data_version').pluck()
  const contentVersion = db.$client.prepare('SELECT version FROM content_state WHERE id = 1').pluck()
  const nextScheduled = db.select({ at: min(articles.publishedAt) }).from(articles).where(inState('scheduled', sql.placeholder('at'))).prepare()
  // data_version costs a few µs (it looks at the shared WAL index), so it is read once per turn of the
  // event loop: every request read from the sockets in one turn was sent before that turn began, so
  // none of them can have learnt of a commit that the first one's read did not see.
  let others = 0
  let othersRead = false
  const othersNow = () => {
    if (!othersRead) {
      others = othersChanges.get() as number
      othersRead = true
      setImmediate(() => { othersRead = false })
    }
    return others
  }
  let changes = ''
  let state: ContentState = { generation: '', until: 0 }
  // Every cached read asks: while nothing changed it gets the same settled promise, not a new one.
  let answer = Promise.resolve(state)

  return {
    current () {
      const seen = `${ownChanges.get() as number}.${othersNow()}`
      if (seen !== changes || Date.now() >= state.until) {
        const generation = String(contentVersion.get() as number)
        // The next scheduled time can only move when content changed or when it has passed.
        const until = generation !== state.generation || Date.now() >= state.until
          ? (Date.parse(nextScheduled.get({ at: now() })?.at ?? '') || Number.POSITIVE_INFINITY)
          : state.until
        changes = seen
        state = { generation, until }
        answer = Promise.resolve(state)
      }
      return answer
    },
  }
}
