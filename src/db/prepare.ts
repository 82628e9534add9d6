import type { Logger } from 'pino'
import { createRepositories } from '../app.js'
import type { Config } from '../config.js'
import { isEmpty, seedDemo } from '../demo/seed.js'
import type { Db } from './client.js'
import { appliedMigrations, migrateDatabase } from './migrate.js'

/**
 * Everything a database needs before it is served, done once per start (by the primary when there
 * are workers): migrations, demo content for a new database, and a complete search index.
 */
export function prepareDatabase (db: Db, config: Config, log: Logger): void {
  const isNew = appliedMigrations(db) === 0
  migrateDatabase(db)
  const { articles, tags, searchIndex, tokens } = createRepositories(db, config)
  // Demo news goes only into a database created by this start, so it is never seeded twice.
  if (isNew && config.demoContent && isEmpty(articles, tags)) {
    log.info({ articles: seedDemo(articles, tags) }, 'seeded demo content')
  }
  // Stemming runs in JavaScript, so articles from before the search index (or a backup) are indexed here.
  if (!searchIndex.isComplete()) log.info({ articles: searchIndex.rebuild() }, 'rebuilt the search index')
  const skeletons = tags.backfillSkeletons()
  if (skeletons > 0) log.info({ tags: skeletons }, 'filled look-alike keys of tag names')
  if (!config.adminToken && !tokens.hasAdmin()) {
    log.warn('no admin token yet: set CMS_ADMIN_TOKEN (32+ characters) and restart, or run `npm run token -- create --role admin --name "Me"`, to make the first write')
  }
}
