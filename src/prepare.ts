import type { Logger } from 'pino'
import type { Config } from './config.js'
import { isEmpty, seedDemo } from './demo/seed.js'
import type { Store } from './store/store.js'

/**
 * Everything a database needs before it is served, done once per start by the entry point (the
 * primary when there are workers) and by the scripts: migrations, demo content for a new database, a
 * complete search index, look-alike keys of older tags, and the CMS_ADMIN_TOKEN admin token; a
 * warning when media files stay on one machine's disk while several servers may share the database.
 */
export async function prepareStore (store: Store, config: Pick<Config, 'demoContent' | 'adminToken' | 'database' | 'mediaStorage'>, log: Logger): Promise<void> {
  const { created } = await store.migrate()
  if (config.database.engine === 'postgres' && config.mediaStorage.kind === 'file') {
    log.warn({ folder: config.mediaStorage.folder }, 'media files are kept in a local folder: with several servers on this database, ' +
      'make it one folder they all share, or set CMS_MEDIA_STORAGE=s3://<bucket>/<prefix>, or images uploaded through one server are missing on the others')
  }
  // Demo news goes only into a database created by this start, so it is never seeded twice.
  if (created && config.demoContent && await isEmpty(store)) {
    log.info({ articles: await seedDemo(store) }, 'seeded demo content')
  }
  // Stemming runs in JavaScript, so articles from before the search index (or a backup) are indexed here.
  if (!await store.search.isComplete()) log.info({ articles: await store.search.rebuild() }, 'rebuilt the search index')
  const recent = await store.search.fillRecent()
  if (recent > 0) log.info({ articles: recent }, 'indexed the newest articles for ranking')
  const skeletons = await store.tags.backfillSkeletons()
  if (skeletons > 0) log.info({ tags: skeletons }, 'filled look-alike keys of tag names')
  if (config.adminToken) await store.tokens.ensureEnvAdmin(config.adminToken)
  else if (!await store.tokens.hasAdmin()) {
    log.warn('no admin token yet: set CMS_ADMIN_TOKEN (32+ characters) and restart, or run `npm run token -- create --role admin --name "Me"`, to make the first write')
  }
}
