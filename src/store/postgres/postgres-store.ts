import type { Store } from '../store.js'
import { createArticleReads } from './article-reads.js'
import { createTagLoader } from './article-tags.js'
import { createArticleWrites } from './article-writes.js'
import type { PgDb } from './client.js'
import { createContentState } from './content-state.js'
import { createChangeStore } from './change-log.js'
import { createWebhookStore } from './webhooks.js'
import { createCopyStore } from './copy.js'
import { createMediaStore } from './media.js'
import { createPostgresCounters } from './counters.js'
import { migrateDatabase, migrationsApplied } from './migrate.js'
import { createRevisionStore } from './revisions.js'
import { createSearchStore } from './search.js'
import { createTagStore } from './tags.js'
import { createTokenStore } from './tokens.js'
import { domainError } from './unit-of-work.js'

/** How long /readyz waits for the database before calling it unreachable. */
const READY_TIMEOUT_MS = 2_000

/**
 * Every method of a part, with driver errors turned into the app's (a database that cannot be reached
 * is a 503, not a 500); `afterCommit` runs when one of the `writes` resolves.
 */
function guarded<T extends object> (part: T, writes: Array<keyof T> = [], afterCommit?: () => void): T {
  const wrapped: Record<string, unknown> = {}
  for (const [name, method] of Object.entries(part)) {
    wrapped[name] = typeof method !== 'function'
      ? method
      : async (...args: unknown[]) => {
        try {
          const result: unknown = await (method as (...a: unknown[]) => Promise<unknown>).apply(part, args)
          if (writes.includes(name as keyof T)) afterCommit?.()
          return result
        } catch (error) {
          throw domainError(error)
        }
      }
  }
  return wrapped as T
}

/** The store over a pool of connections to one PostgreSQL database that any number of servers share. */
export function createPostgresStore (db: PgDb): Store {
  const content = createContentState(db)
  const counters = createPostgresCounters(db)
  const tagsOf = createTagLoader(db)
  // A commit here is seen by this server's next read at once, without waiting for its own notification.
  const committed = () => content.changed()
  return {
    articles: guarded({ ...createArticleReads(db), ...createArticleWrites(db) },
      ['create', 'update', 'trash', 'restore', 'restoreRevision', 'purge'], committed),
    revisions: guarded(createRevisionStore(db)),
    tags: guarded(createTagStore(db), ['create', 'update', 'remove', 'backfillSkeletons'], committed),
    media: guarded(createMediaStore(db), ['create', 'update', 'remove'], committed),
    // A revocation bumps the content version (migration 0002): the token cache here lets go at once.
    tokens: guarded(createTokenStore(db), ['revoke'], committed),
    search: guarded(createSearchStore(db, tagsOf), ['rebuild'], committed),
    changes: guarded(createChangeStore(db), ['publishDue', 'prune'], committed),
    webhooks: guarded(createWebhookStore(db)),
    content,
    counters: guarded(counters),
    copy: createCopyStore(db),
    health: {
      async ready () {
        let timer: NodeJS.Timeout | undefined
        const timeout = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS) })
        try {
          return await Promise.race([migrationsApplied(db).catch(() => false), timeout])
        } finally {
          clearTimeout(timer)
        }
      },
    },
    async migrate () {
      const result = await migrateDatabase(db)
      content.changed()
      return result
    },
    async close () {
      await content.close()
      await counters.close()
      await db.$client.end({ timeout: 5 })
    },
  }
}
