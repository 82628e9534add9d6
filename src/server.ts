import closeWithGrace from 'close-with-grace'
import { buildApp, createRepositories } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { openDatabase } from './db/client.js'
import { appliedMigrations, migrateDatabase } from './db/migrate.js'
import { isEmpty, seedDemo } from './demo/seed.js'

let config
try {
  config = loadConfig(process.env)
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  console.error(error.message)
  process.exit(1)
}

const db = openDatabase(config.databasePath)
const isNew = appliedMigrations(db) === 0
migrateDatabase(db)
const app = await buildApp({ config, db })

const { articles, tags, searchIndex } = createRepositories(db, config)
// Demo news goes only into a database created by this start, so it is never seeded twice.
if (isNew && config.demoContent && isEmpty(articles, tags)) {
  app.log.info({ articles: seedDemo(articles, tags) }, 'seeded demo content')
}
// Stemming runs in JavaScript, so articles from before the search index (or a backup) are indexed here.
if (!searchIndex.isComplete()) app.log.info({ articles: searchIndex.rebuild() }, 'rebuilt the search index')

// On SIGTERM/SIGINT: stop accepting, let in-flight requests finish, close the database, exit 0.
closeWithGrace({ delay: 10_000 }, async ({ err, signal }) => {
  if (err) app.log.error({ err }, 'shutting down after an error')
  else app.log.info({ signal }, 'shutting down')
  await app.close()
  db.$client.close()
})

await app.listen({ port: config.port, host: config.host })
