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

// Demo news goes only into a database created by this start, so it is never seeded twice.
if (isNew && config.demoContent) {
  const { articles, tags } = createRepositories(db, config)
  if (isEmpty(articles, tags)) app.log.info({ articles: seedDemo(articles, tags) }, 'seeded demo content')
}

// On SIGTERM/SIGINT: stop accepting, let in-flight requests finish, close the database, exit 0.
closeWithGrace({ delay: 10_000 }, async ({ err, signal }) => {
  if (err) app.log.error({ err }, 'shutting down after an error')
  else app.log.info({ signal }, 'shutting down')
  await app.close()
  db.$client.close()
})

await app.listen({ port: config.port, host: config.host })
