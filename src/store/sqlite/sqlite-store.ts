import { createMemoryCounters } from '../memory-counters.js'
import type { Store } from '../store.js'
import { createArticleReads } from './article-reads.js'
import { createTagLoader } from './article-tags.js'
import { createArticleWrites } from './article-writes.js'
import { createChangeStore } from './change-log.js'
import type { Db } from './client.js'
import { createContentState } from './content-state.js'
import { createCopyStore } from './copy.js'
import { createMediaStore } from './media.js'
import { appliedMigrations, migrateDatabase, migrationsApplied } from './migrate.js'
import { createRevisionStore } from './revisions.js'
import { createSearchStore } from './search.js'
import { createTagStore } from './tags.js'
import { createTokenStore } from './tokens.js'
import { createWebhookStore } from './webhooks.js'

type Parts = Pick<Store, 'articles' | 'revisions' | 'tags' | 'media' | 'tokens' | 'search' | 'changes' | 'webhooks' | 'content'>

function createParts (db: Db): Parts {
  // One prepared tag loader for article reads and search.
  const tagsOf = createTagLoader(db)
  return {
    articles: { ...createArticleReads(db, tagsOf), ...createArticleWrites(db) },
    revisions: createRevisionStore(db),
    tags: createTagStore(db),
    media: createMediaStore(db),
    tokens: createTokenStore(db),
    search: createSearchStore(db, tagsOf),
    changes: createChangeStore(db),
    webhooks: createWebhookStore(db),
    content: createContentState(db),
  }
}

/**
 * The store over one better-sqlite3 connection (a file in WAL mode, or memory); closing it closes the
 * connection. Its parts prepare their statements once, on first use: after `migrate` has made the tables.
 */
export function createSqliteStore (db: Db): Store {
  let parts: Parts | undefined
  const part = () => (parts ??= createParts(db))
  // One process serves a SQLite file's requests (or one per worker): its own memory counts them.
  const counters = createMemoryCounters()
  return {
    get articles () { return part().articles },
    get revisions () { return part().revisions },
    get tags () { return part().tags },
    get media () { return part().media },
    get tokens () { return part().tokens },
    get search () { return part().search },
    get changes () { return part().changes },
    get webhooks () { return part().webhooks },
    get content () { return part().content },
    counters,
    copy: createCopyStore(db),
    health: {
      async ready () {
        try {
          return migrationsApplied(db)
        } catch {
          return false
        }
      },
    },
    async migrate () {
      const created = appliedMigrations(db) === 0
      migrateDatabase(db)
      return { created }
    },
    async close () {
      db.$client.close()
    },
  }
}
